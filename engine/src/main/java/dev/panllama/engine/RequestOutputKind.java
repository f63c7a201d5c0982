package dev.panllama.engine;

/**
 * How a request's stream reports progress (vLLM's {@code RequestOutputKind}). In every kind exactly one
 * {@link RequestOutput} has {@code finished() == true}, and it is the last one.
 */
public enum RequestOutputKind {
    /** Every output carries everything generated so far (text, token ids, logprobs); prompt logprobs each time. */
    CUMULATIVE,
    /**
     * Every output carries only what is new since the previous output the consumer took; prompt logprobs come
     * once. A lagging consumer receives merged deltas ({@link RequestOutput#merge(RequestOutput, boolean)}), and
     * the final output may carry no new tokens (e.g. after an abort).
     */
    DELTA,
    /** Nothing until the request finishes, then one output with everything; for n &gt; 1 all completions at once. */
    FINAL_ONLY
}
