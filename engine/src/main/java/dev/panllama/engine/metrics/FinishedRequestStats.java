package dev.panllama.engine.metrics;

import dev.panllama.engine.FinishReason;
import dev.panllama.engine.RequestMetrics;
import dev.panllama.engine.SamplingParams;
import java.time.Duration;
import java.time.Instant;

/**
 * One completion at its end, for stat loggers and tracing.
 *
 * @param requestId        the caller's id
 * @param internalId       the engine's id of this completion
 * @param finishReason     why it ended
 * @param promptTokens     prompt length
 * @param generationTokens tokens it produced
 * @param cachedTokens     prompt tokens taken from cache instead of computed
 * @param metrics          its timings
 * @param finishedAt       when it ended (wall clock)
 * @param params           its sampling parameters
 */
public record FinishedRequestStats(String requestId, String internalId, FinishReason finishReason, int promptTokens,
                                   int generationTokens, int cachedTokens, RequestMetrics metrics, Instant finishedAt,
                                   SamplingParams params) {

    /** Arrival to end, on the wall clock (vLLM's {@code e2e_request_latency_seconds}). */
    public Duration e2eLatency() {
        Duration d = Duration.between(metrics.arrivalTime(), finishedAt);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Mean time between output tokens after the first, when there were at least two. */
    public Duration timePerOutputToken() {
        if (generationTokens < 2) {
            return null;
        }
        return metrics.decodeTime().map(d -> d.dividedBy(generationTokens - 1)).orElse(null);
    }
}
