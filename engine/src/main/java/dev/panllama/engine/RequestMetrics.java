package dev.panllama.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Per-request timing, as vLLM's {@code RequestStateStats}: a snapshot taken when the output was made, so the
 * later timestamps are null until the request reaches that stage.
 * <p>
 * Two clocks, as in vLLM: the arrival is wall-clock (comparable with other machines and logs), the engine-side
 * stage timestamps are {@link System#nanoTime()} readings, which only mean something relative to each other
 * (hence the derived {@link Duration}s) but never jump with clock adjustments.
 *
 * @param arrivalTime          when the request was submitted (wall clock)
 * @param queuedAtNanos        {@code System.nanoTime()} when the engine queued it; null before
 * @param scheduledAtNanos     {@code System.nanoTime()} when it was first scheduled; null before
 * @param firstTokenAtNanos    {@code System.nanoTime()} when its first token was produced; null before
 * @param lastTokenAtNanos     {@code System.nanoTime()} when its latest token was produced; null before the first
 * @param firstTokenLatency    wall-clock time from arrival to the first token (time to first token); null before
 * @param numGenerationTokens  tokens generated so far by the sequence that produced this snapshot
 */
public record RequestMetrics(
        Instant arrivalTime,
        Long queuedAtNanos,
        Long scheduledAtNanos,
        Long firstTokenAtNanos,
        Long lastTokenAtNanos,
        Duration firstTokenLatency,
        int numGenerationTokens) {

    public RequestMetrics {
        if (arrivalTime == null) {
            throw new NullPointerException("arrivalTime");
        }
        if (numGenerationTokens < 0) {
            throw new IllegalArgumentException("numGenerationTokens must be >= 0, got " + numGenerationTokens);
        }
    }

    /** Metrics of a request that has just arrived and reached no engine stage yet. */
    public static RequestMetrics arrived(Instant arrivalTime) {
        return new RequestMetrics(arrivalTime, null, null, null, null, null, 0);
    }

    /** Time spent waiting in the scheduler's queue (vLLM's {@code request_queue_time_seconds}). */
    public Optional<Duration> queuedTime() {
        return between(queuedAtNanos, scheduledAtNanos);
    }

    /** From first scheduling to the first token (vLLM's {@code request_prefill_time_seconds}). */
    public Optional<Duration> prefillTime() {
        return between(scheduledAtNanos, firstTokenAtNanos);
    }

    /** From the first to the latest token (vLLM's {@code request_decode_time_seconds}). */
    public Optional<Duration> decodeTime() {
        return between(firstTokenAtNanos, lastTokenAtNanos);
    }

    /** From first scheduling to the latest token (vLLM's {@code request_inference_time_seconds}). */
    public Optional<Duration> inferenceTime() {
        return between(scheduledAtNanos, lastTokenAtNanos);
    }

    /**
     * vLLM's {@code RequestStateStats} names, in seconds as vLLM reports them: {@code arrival_time} (epoch
     * seconds), {@code queued_ts}, {@code scheduled_ts}, {@code first_token_ts}, {@code last_token_ts} (monotonic
     * seconds), {@code first_token_latency}, {@code num_generation_tokens}. Unset values are null.
     */
    public Map<String, Object> toSnakeCaseMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("arrival_time", arrivalTime.getEpochSecond() + arrivalTime.getNano() / 1e9);
        map.put("queued_ts", seconds(queuedAtNanos));
        map.put("scheduled_ts", seconds(scheduledAtNanos));
        map.put("first_token_ts", seconds(firstTokenAtNanos));
        map.put("last_token_ts", seconds(lastTokenAtNanos));
        map.put("first_token_latency", firstTokenLatency == null ? null : firstTokenLatency.toNanos() / 1e9);
        map.put("num_generation_tokens", numGenerationTokens);
        return Collections.unmodifiableMap(map);
    }

    private static Optional<Duration> between(Long startNanos, Long endNanos) {
        if (startNanos == null || endNanos == null) {
            return Optional.empty();
        }
        // nanoTime values are compared by difference: they may wrap, so start < end is not a safe test
        return Optional.of(Duration.ofNanos(endNanos - startNanos));
    }

    private static Double seconds(Long nanos) {
        return nanos == null ? null : nanos / 1e9;
    }
}
