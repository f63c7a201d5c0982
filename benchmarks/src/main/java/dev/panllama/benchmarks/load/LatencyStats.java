package dev.panllama.benchmarks.load;

import dev.panllama.benchmarks.Stats;
import java.util.Arrays;

/**
 * Mean and nearest-rank percentiles of one latency, in milliseconds; NaN everywhere without samples.
 *
 * @param samples how many values the statistics summarise
 */
public record LatencyStats(int samples, double meanMs, double p50Ms, double p90Ms, double p99Ms) {

    static LatencyStats ofNanos(long[] nanos) {
        double[] ms = Arrays.stream(nanos).mapToDouble(n -> n / 1e6).toArray();
        double mean = nanos.length == 0 ? Double.NaN : Arrays.stream(nanos).average().orElseThrow() / 1e6;
        return new LatencyStats(nanos.length, mean, Stats.percentile(ms, 50), Stats.percentile(ms, 90),
                Stats.percentile(ms, 99));
    }
}
