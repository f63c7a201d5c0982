package dev.panllama.cli.serve;

import dev.panllama.engine.RequestOutput;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token counts of one HTTP request, with {@code prompt_tokens_details.cached_tokens} from the prefix cache. Every
 * output is observed, so the counts live in arrays indexed by prompt: no boxing or hashing per token.
 */
final class Usage {
    private final int[] promptTokens;
    private final int[] cachedTokens;
    private int completionTokens;

    Usage(int prompts) {
        promptTokens = new int[prompts];
        cachedTokens = new int[prompts];
    }

    void observePrompt(int promptIndex, RequestOutput output) {
        promptTokens[promptIndex] = output.promptTokenIds().size();
        cachedTokens[promptIndex] = Math.max(cachedTokens[promptIndex], output.numCachedTokens());
    }

    void addCompletionTokens(int count) {
        completionTokens += count;
    }

    Map<String, Object> toJson() {
        int prompt = 0;
        int cached = 0;
        for (int i = 0; i < promptTokens.length; i++) {
            prompt += promptTokens[i];
            cached += cachedTokens[i];
        }
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", prompt + completionTokens);
        usage.put("prompt_tokens_details", Map.of("cached_tokens", cached));
        return usage;
    }
}
