package dev.panllama.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One token's log-probability at one position, as vLLM reports it in {@code logprobs} / {@code prompt_logprobs}
 * (each position maps token id → Logprob: the sampled or prompt token plus the top-k alternatives).
 *
 * @param logprob      natural-log probability after the request's logits processing; may be -infinity
 * @param rank         1 = most likely token at that position
 * @param decodedToken the token's text, or null when the request has {@code detokenize=false}
 */
public record Logprob(float logprob, int rank, String decodedToken) {
    public Logprob {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1 (1 = most likely), got " + rank);
        }
    }

    /** {@code logprob}, {@code rank}, {@code decoded_token}: vLLM's field names, for JSON output. */
    public Map<String, Object> toSnakeCaseMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("logprob", logprob);
        map.put("rank", rank);
        map.put("decoded_token", decodedToken);
        return Collections.unmodifiableMap(map);
    }
}
