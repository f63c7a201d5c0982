package dev.panllama.benchmarks.load;

/**
 * What load to send, in {@code vllm bench serve}'s terms.
 *
 * @param requests       requests measured (vLLM's {@code --num-prompts})
 * @param maxConcurrency requests in flight at most; 0 = no cap (vLLM's {@code --max-concurrency})
 * @param requestRate    requests started per second, Poisson arrivals; infinite = as fast as the cap allows, which
 *                       with a cap is a closed loop of {@code maxConcurrency} clients
 * @param maxTokens      tokens each request generates, end-of-sequence ignored so every request makes exactly as many
 * @param warmups        requests sent first and not reported (JIT, allocator and caches warm on both sides)
 * @param seed           seeds the arrival times and the prompt choice
 * @param servedModel    the {@code model} field of each request; null leaves it out
 */
public record LoadSpec(int requests, int maxConcurrency, double requestRate, int maxTokens, int warmups, long seed,
                       String servedModel) {
    public static final int MAX_REQUESTS = 100_000;
    public static final int MAX_CONCURRENCY = 1024;
    public static final int MAX_TOKENS = 32_768;

    public LoadSpec {
        require(requests >= 1 && requests <= MAX_REQUESTS, "--num-prompts must be in [1, " + MAX_REQUESTS + "], got " + requests);
        require(maxConcurrency >= 0 && maxConcurrency <= MAX_CONCURRENCY,
                "--max-concurrency must be in [0, " + MAX_CONCURRENCY + "] (0 = no cap), got " + maxConcurrency);
        require(requestRate > 0 && !Double.isNaN(requestRate), "--request-rate must be > 0 or inf, got " + requestRate);
        require(Double.isFinite(requestRate) || maxConcurrency > 0 || requests <= MAX_CONCURRENCY,
                "--request-rate inf without --max-concurrency sends every request at once: give a cap or at most "
                        + MAX_CONCURRENCY + " requests");
        require(maxTokens >= 1 && maxTokens <= MAX_TOKENS, "--max-tokens must be in [1, " + MAX_TOKENS + "], got " + maxTokens);
        require(warmups >= 0 && warmups <= MAX_REQUESTS, "--num-warmups must be in [0, " + MAX_REQUESTS + "], got " + warmups);
    }

    /** A closed loop: {@code concurrency} clients, each sending its next request when the last one ends. */
    public static LoadSpec closedLoop(int requests, int concurrency, int maxTokens) {
        return new LoadSpec(requests, concurrency, Double.POSITIVE_INFINITY, maxTokens, 2 * concurrency, 0, null);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
