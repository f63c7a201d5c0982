package dev.panllama.cli.serve;

import dev.panllama.engine.RequestOutput;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Token counts of one HTTP request, with {@code prompt_tokens_details.cached_tokens} from the prefix cache. */
final class Usage {
    private final Map<Integer, Integer> promptTokens = new HashMap<>();
    private final Map<Integer, Integer> cachedTokens = new HashMap<>();
    private int completionTokens;

    void observePrompt(int promptIndex, RequestOutput output) {
        promptTokens.put(promptIndex, output.promptTokenIds().size());
        cachedTokens.merge(promptIndex, output.numCachedTokens(), Math::max);
    }

    void addCompletionTokens(int count) {
        completionTokens += count;
    }

    Map<String, Object> toJson() {
        int prompt = promptTokens.values().stream().mapToInt(Integer::intValue).sum();
        int cached = cachedTokens.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", prompt + completionTokens);
        usage.put("prompt_tokens_details", Map.of("cached_tokens", cached));
        return usage;
    }
}
