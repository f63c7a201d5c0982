package dev.panllama.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One completion of a request (vLLM's {@code CompletionOutput}): for n &gt; 1 there is one per sample, told apart
 * by {@link #index()}. Whether it holds everything so far or only the newest piece depends on the request's
 * {@link RequestOutputKind}.
 *
 * @param index             which of the request's n completions this is, 0-based
 * @param text              generated text ("" when the request has {@code detokenize=false})
 * @param tokenIds          generated token ids (a stop token id stays in them)
 * @param cumulativeLogprob sum of the sampled tokens' logprobs; null unless logprobs were requested
 * @param logprobs          per generated token: token id → {@link Logprob}; null unless logprobs were requested
 * @param finishReason      null while the completion is still running
 * @param stopReason        the matched stop string ({@link String}) or stop token id ({@link Integer}); null for
 *                          EOS, length, abort and while running; {@code "repetition_detected"} for repetition
 */
public record CompletionOutput(
        int index,
        String text,
        List<Integer> tokenIds,
        Double cumulativeLogprob,
        List<Map<Integer, Logprob>> logprobs,
        FinishReason finishReason,
        Object stopReason) {

    public CompletionOutput {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        Objects.requireNonNull(text, "text (use \"\" when not detokenizing)");
        tokenIds = tokenIds == null ? List.of() : List.copyOf(tokenIds);
        logprobs = LogprobLists.copy("logprobs", logprobs, false);
        if (stopReason != null && !(stopReason instanceof String) && !(stopReason instanceof Integer)) {
            throw new IllegalArgumentException("stopReason must be a stop string, a token id or null, got "
                    + stopReason.getClass().getName());
        }
    }

    /** True once {@link #finishReason()} is set. */
    public boolean finished() {
        return finishReason != null;
    }

    /**
     * This completion followed by {@code next}, the DELTA merge of vLLM's {@code RequestOutput.add}: text, token
     * ids and logprobs are appended; the cumulative logprob, finish reason and stop reason are {@code next}'s,
     * since they describe the completion as of its newest piece.
     */
    CompletionOutput append(CompletionOutput next) {
        List<Integer> ids = tokenIds;
        if (!next.tokenIds.isEmpty()) {
            ids = new ArrayList<>(tokenIds.size() + next.tokenIds.size());
            ids.addAll(tokenIds);
            ids.addAll(next.tokenIds);
        }
        return new CompletionOutput(index, text + next.text, ids, next.cumulativeLogprob,
                LogprobLists.concat(logprobs, next.logprobs), next.finishReason, next.stopReason);
    }

    /**
     * vLLM's field names and JSON-ready values: {@code index}, {@code text}, {@code token_ids},
     * {@code cumulative_logprob}, {@code logprobs}, {@code finish_reason} (its wire name, e.g. {@code "stop"}),
     * {@code stop_reason}. Absent values are present as null.
     */
    public Map<String, Object> toSnakeCaseMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("index", index);
        map.put("text", text);
        map.put("token_ids", tokenIds);
        map.put("cumulative_logprob", cumulativeLogprob);
        map.put("logprobs", LogprobLists.toSnakeCase(logprobs));
        map.put("finish_reason", finishReason == null ? null : finishReason.wireName());
        map.put("stop_reason", stopReason);
        return Collections.unmodifiableMap(map);
    }
}
