package dev.panllama.benchmarks.load;

/**
 * One request of a load run.
 *
 * @param ok               the server answered 200 and the stream ended with {@code [DONE]} after some text
 * @param ttftNanos        from sending the request to the first chunk with text
 * @param latencyNanos     from sending the request to the end of its stream (end-to-end latency)
 * @param itlNanos         the gaps between consecutive chunks with text (inter-token latency as a client sees it)
 * @param promptTokens     the server's usage count of prompt tokens; 0 when it reports none
 * @param completionTokens tokens generated: the server's usage when it reports one, else the chunks with text
 * @param error            why the request failed; null when ok
 */
record LoadResult(boolean ok, long ttftNanos, long latencyNanos, long[] itlNanos, int promptTokens, int completionTokens,
                  String error) {
    static LoadResult failed(long latencyNanos, String error) {
        return new LoadResult(false, 0, latencyNanos, new long[0], 0, 0, error);
    }

    /**
     * Time per output token after the first, as vLLM defines it: (E2E − TTFT) / (tokens − 1); negative when a request
     * made a single token, which has no such time.
     */
    long tpotNanos() {
        return completionTokens > 1 ? (latencyNanos - ttftNanos) / (completionTokens - 1) : -1;
    }
}
