package dev.panllama.benchmarks;

import java.util.Arrays;

/** The median and the nearest-rank percentile every report takes of its samples. */
public final class Stats {
    private Stats() {}

    /** The middle value, or the mean of the middle two for an even count; NaN without values. */
    public static double median(double... values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** The nearest-rank {@code percentile} (0 to 100): the smallest value at least that share of values reach; NaN without values. */
    public static double percentile(double[] values, double percentile) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }
}
