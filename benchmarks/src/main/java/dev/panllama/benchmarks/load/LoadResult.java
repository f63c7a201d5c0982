package dev.panllama.benchmarks.load;

/**
 * One request of a load run.
 *
 * @param ok               the server answered 200 and the stream ended with {@code [DONE]}
 * @param ttftNanos        from sending the request to the first chunk with text
 * @param latencyNanos     from sending the request to the end of its stream
 * @param completionTokens tokens generated: the server's usage when it reports one, else the text chunks
 * @param error            why the request failed; null when ok
 */
record LoadResult(boolean ok, long ttftNanos, long latencyNanos, int completionTokens, String error) {
    static LoadResult failed(long latencyNanos, String error) {
        return new LoadResult(false, 0, latencyNanos, 0, error);
    }
}
