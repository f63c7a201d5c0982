package dev.panllama.engine.core;

/**
 * The prefix cache as seen between steps.
 *
 * @param cachedBlocks      blocks held in the cache, in use or not
 * @param reclaimableBlocks cached blocks no running request holds (evicted first under KV pressure)
 * @param queries           prompt tokens looked up since the engine started (vLLM's prefix_cache_queries)
 * @param hits              of those, tokens found cached (vLLM's prefix_cache_hits)
 * @param recentHitRate     hits ÷ queries over the last 1,000 requests since the last reset (0 without queries)
 * @param evictions         blocks evicted to make room
 */
public record PrefixCacheStats(int cachedBlocks, int reclaimableBlocks, long queries, long hits, double recentHitRate,
                               long evictions) {
    /** What a disabled cache reports. */
    public static final PrefixCacheStats DISABLED = new PrefixCacheStats(0, 0, 0, 0, 0, 0);
}
