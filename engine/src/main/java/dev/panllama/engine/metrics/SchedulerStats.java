package dev.panllama.engine.metrics;

import java.util.List;

/**
 * The engine's queues and KV cache after a step (or after a command that changed them without one), and what the
 * step computed.
 *
 * @param step             the engine's step counter
 * @param isStep           false for a state update made by an abort, pause or sleep between steps
 * @param running          requests in the running set
 * @param waiting          requests queued for admission (including preempted and paused ones)
 * @param kvUsedTokens     KV cells in use
 * @param kvCapacity       KV cells in all
 * @param preemptions      preemptions since the engine started
 * @param prefillRequests  requests whose prompt (or a chunk of it) this step computed
 * @param prefillTokens    prompt tokens computed in this step
 * @param decodeRequests   requests that decoded one token in this step
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache by requests this step admitted
 * @param prefixCacheHits  of those, tokens found cached
 * @param prefixCacheHitRate hit rate over the last 1,000 requests
 * @param startNanos       {@code System.nanoTime()} at the step's start
 * @param stepNanos        the whole step
 * @param decodeNanos      its {@code llama_decode}
 * @param sampleNanos      its sampling (all requests)
 */
public record SchedulerStats(long step, boolean isStep, int running, int waiting, int kvUsedTokens, int kvCapacity,
                             long preemptions, List<String> prefillRequests, int prefillTokens,
                             List<String> decodeRequests, int prefixCacheQueries, int prefixCacheHits,
                             double prefixCacheHitRate, long startNanos, long stepNanos, long decodeNanos,
                             long sampleNanos) {

    public SchedulerStats {
        prefillRequests = List.copyOf(prefillRequests);
        decodeRequests = List.copyOf(decodeRequests);
    }

    /** Tokens decoded in this step, one per decoding request. */
    public int decodeTokens() {
        return decodeRequests.size();
    }

    /** KV cache usage as a 0–1 fraction. */
    public double kvUsage() {
        return kvCapacity == 0 ? 0 : kvUsedTokens / (double) kvCapacity;
    }
}
