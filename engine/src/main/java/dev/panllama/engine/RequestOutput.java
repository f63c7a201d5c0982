package dev.panllama.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One item of a request's output stream (vLLM's {@code RequestOutput}). For n &gt; 1, {@link #outputs()} holds
 * only the completions that changed in that step, so consumers track completions by
 * {@link CompletionOutput#index()}, not by list position. Exactly one output of a stream has
 * {@link #finished()} true, and it is the last.
 *
 * @param requestId        the caller's request id (the parent's, for n &gt; 1)
 * @param prompt           the prompt text, or null when the request was given token ids only
 * @param promptTokenIds   the prompt as the engine saw it (after truncation)
 * @param promptLogprobs   per prompt position: token id → {@link Logprob}; position 0 is null (nothing predicts
 *                         it); null unless prompt logprobs were requested (and, for DELTA, after the first output)
 * @param outputs          the completions this item carries, see above
 * @param finished         true on the stream's last item only
 * @param metrics          timing snapshot; null when the engine does not collect stats
 * @param numCachedTokens  prompt tokens served from the prefix cache
 */
public record RequestOutput(
        String requestId,
        String prompt,
        List<Integer> promptTokenIds,
        List<Map<Integer, Logprob>> promptLogprobs,
        List<CompletionOutput> outputs,
        boolean finished,
        RequestMetrics metrics,
        int numCachedTokens) {

    public RequestOutput {
        Objects.requireNonNull(requestId, "requestId");
        promptTokenIds = promptTokenIds == null ? List.of() : List.copyOf(promptTokenIds);
        promptLogprobs = LogprobLists.copy("promptLogprobs", promptLogprobs, true);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        if (numCachedTokens < 0) {
            throw new IllegalArgumentException("numCachedTokens must be >= 0, got " + numCachedTokens);
        }
    }

    /**
     * Folds {@code next}, the same request's following output, into this one: what the per-request mailbox does
     * when the consumer has not yet taken this output (vLLM's {@code RequestOutput.add(next, aggregate)}), so a
     * slow consumer receives one merged item instead of a backlog.
     * <p>
     * Completions are matched by {@link CompletionOutput#index()}. With {@code aggregate} (the DELTA kind) a
     * matched completion gets {@code next}'s text, token ids and logprobs appended, and takes {@code next}'s
     * cumulative logprob, finish reason and stop reason; without it (CUMULATIVE, FINAL_ONLY, whose items already
     * hold everything) {@code next}'s completion replaces it in place. A completion whose index is not yet present
     * is appended. {@code finished} is OR-ed.
     * <p>
     * Request-level fields stay this output's (the first one carries DELTA's once-only prompt logprobs; only if it
     * has none are {@code next}'s taken), except {@code metrics}, which takes {@code next}'s newer snapshot when it
     * has one: vLLM's merged item sees the latest stats because its stats object is shared and updated in place.
     *
     * @param next      the following output of the same request
     * @param aggregate true for {@link RequestOutputKind#DELTA}
     * @return a new output; this one and {@code next} are unchanged
     */
    public RequestOutput merge(RequestOutput next, boolean aggregate) {
        Objects.requireNonNull(next, "next");
        if (!requestId.equals(next.requestId)) {
            throw new IllegalArgumentException("cannot merge outputs of different requests: "
                    + requestId + " and " + next.requestId);
        }
        List<CompletionOutput> merged = new ArrayList<>(outputs);
        for (CompletionOutput nextCompletion : next.outputs) {
            int at = positionOf(merged, nextCompletion.index());
            if (at < 0) {
                merged.add(nextCompletion);
            } else {
                merged.set(at, aggregate ? merged.get(at).append(nextCompletion) : nextCompletion);
            }
        }
        return new RequestOutput(requestId, prompt, promptTokenIds,
                promptLogprobs != null ? promptLogprobs : next.promptLogprobs,
                merged, finished || next.finished,
                next.metrics != null ? next.metrics : metrics,
                numCachedTokens);
    }

    /**
     * vLLM's field names and JSON-ready values: {@code request_id}, {@code prompt}, {@code prompt_token_ids},
     * {@code prompt_logprobs}, {@code outputs} (each {@link CompletionOutput#toSnakeCaseMap()}), {@code finished},
     * {@code metrics} ({@link RequestMetrics#toSnakeCaseMap()} or null), {@code num_cached_tokens}. Token-id keys
     * of logprob maps stay Integers; JSON writers turn them into strings. Absent values are present as null.
     */
    public Map<String, Object> toSnakeCaseMap() {
        List<Map<String, Object>> completions = new ArrayList<>(outputs.size());
        for (CompletionOutput completion : outputs) {
            completions.add(completion.toSnakeCaseMap());
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("request_id", requestId);
        map.put("prompt", prompt);
        map.put("prompt_token_ids", promptTokenIds);
        map.put("prompt_logprobs", LogprobLists.toSnakeCase(promptLogprobs));
        map.put("outputs", Collections.unmodifiableList(completions));
        map.put("finished", finished);
        map.put("metrics", metrics == null ? null : metrics.toSnakeCaseMap());
        map.put("num_cached_tokens", numCachedTokens);
        return Collections.unmodifiableMap(map);
    }

    private static int positionOf(List<CompletionOutput> completions, int index) {
        for (int i = 0; i < completions.size(); i++) {
            if (completions.get(i).index() == index) {
                return i;
            }
        }
        return -1;
    }
}
