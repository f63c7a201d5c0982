package dev.panllama.engine.core;

import java.util.List;

/**
 * What one engine step did: which requests it prefilled and decoded, and the queues and KV after it.
 * Published with every step so callers (stats loggers, tests) can see continuous batching at work.
 * {@code prefixCacheQueries} and {@code prefixCacheHits} count the prompt tokens of the requests this step
 * admitted for the first time, and how many of them the prefix cache held; {@code prefixCacheHitRate} is the hit
 * rate over the last 1,000 requests.
 * {@code startNanos} is the step's {@code System.nanoTime()} start; {@code decodeNanos} and {@code sampleNanos}
 * split the model runner's share of {@code nanos} (the rest is scheduling and bookkeeping). {@code graphReused} says
 * whether llama.cpp ran the step on the previous step's compute graph instead of building and allocating a new one
 * (it can when the batch has the same shape, outputs and samplers; a GPU then also replays its captured graph).
 * {@code decodeCallNanos} is the part of {@code decodeNanos} until llama_decode returned: all of it on a CPU, and on a
 * GPU the host's share (inputs, attention mask, graph launch) before the wait for the device.
 */
public record StepStats(long step, List<String> prefillRequests, int prefillTokens, List<String> decodeRequests,
                        int running, int waiting, int kvUsedTokens, int kvCapacity, long preemptions,
                        int prefixCacheQueries, int prefixCacheHits, double prefixCacheHitRate, long nanos,
                        long startNanos, long decodeNanos, long sampleNanos, boolean graphReused,
                        long decodeCallNanos) {}
