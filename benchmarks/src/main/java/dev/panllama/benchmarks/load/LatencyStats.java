package dev.panllama.benchmarks.load;

import java.util.Arrays;

/**
 * Mean and nearest-rank percentiles of one latency, in milliseconds; NaN everywhere without samples.
 *
 * @param samples how many values the statistics summarise
 */
public record LatencyStats(int samples, double meanMs, double p50Ms, double p90Ms, double p99Ms) {

    static LatencyStats ofNanos(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double mean = sorted.length == 0 ? Double.NaN : Arrays.stream(sorted).average().orElseThrow() / 1e6;
        return new LatencyStats(sorted.length, mean, percentileMs(sorted, 50), percentileMs(sorted, 90),
                percentileMs(sorted, 99));
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    static double percentileMs(long[] sortedNanos, int percentile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sortedNanos.length);
        return sortedNanos[Math.max(0, rank - 1)] / 1e6;
    }
}
