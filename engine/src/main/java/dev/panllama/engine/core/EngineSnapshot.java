package dev.panllama.engine.core;

/**
 * The engine's state between steps, read on the engine thread: requests by queue, sequence slots and KV
 * cells in use, live sampler chains. After all requests end, running, waiting, busy slots, used KV and
 * samplers are all zero: nothing leaked. Cached prefix blocks that no request holds count as free KV, as in vLLM.
 */
public record EngineSnapshot(int running, int waiting, int busySlots, int totalSlots, int kvUsedTokens,
                             int kvCapacity, int activeSamplers, long steps, long preemptions,
                             PrefixCacheStats prefixCache) {}
