package dev.panllama.benchmarks;

import java.util.List;

/**
 * One measurement taken through panllama and through llama.cpp's tool, every repetition of each.
 *
 * @param model           benchmark model name
 * @param metric          {@code single_stream_decode}, {@code aggregate_decode}, or one of the loops without the engine
 * @param streams         concurrent streams
 * @param referenceTool   the llama.cpp tool it is compared with
 * @param panllama        panllama's rates in tokens/s, in run order
 * @param llamaCpp        the tool's rates in tokens/s, in run order
 * @param panllamaMedian  median of {@code panllama}
 * @param llamaCppMedian  median of {@code llamaCpp}
 * @param ratio           panllamaMedian / llamaCppMedian
 * @param target          the ratio panllama must reach; null when none is set
 * @param meetsTarget     whether the ratio reaches the target; null when none is set
 */
public record Comparison(String model, String metric, int streams, String referenceTool, List<Double> panllama,
                         List<Double> llamaCpp, double panllamaMedian, double llamaCppMedian, double ratio, Double target,
                         Boolean meetsTarget) {

    public static final String SINGLE_STREAM = "single_stream_decode";
    public static final String AGGREGATE = "aggregate_decode";
    /** llama-bench's loop through the bindings without the engine ({@link RawDecodeLoop}): what calling from the JVM costs. */
    public static final String RAW_LOOP = "raw_decode_loop";
    /** llama-bench's loop in C ({@link NativeDecodeLoop}) against llama-bench itself: this host's noise, no JVM. */
    public static final String NATIVE_LOOP = "native_decode_loop";
    /** llama-batched-bench's loop in C ({@link NativeDecodeLoop}) against llama-batched-bench itself. */
    public static final String NATIVE_BATCHED = "native_batched_loop";
    /** llama-batched-bench's loop through the bindings without the engine ({@link RawBatchedLoop}). */
    public static final String RAW_BATCHED = "raw_batched_loop";

    /** How a report names the measurement. */
    public String label() {
        return switch (metric) {
            case SINGLE_STREAM -> "single-stream decode";
            case RAW_LOOP -> "raw decode loop, no engine";
            case NATIVE_LOOP -> "native tg loop in C, no JVM";
            case NATIVE_BATCHED -> "native batched loop in C, no JVM";
            case RAW_BATCHED -> "raw batched loop, no engine";
            default -> "aggregate decode";
        };
    }

    public static Comparison of(String model, String metric, int streams, String tool, List<Double> panllama,
                                List<Double> llamaCpp, Double target) {
        double ours = median(panllama);
        double theirs = median(llamaCpp);
        double ratio = ours / theirs;
        return new Comparison(model, metric, streams, tool, List.copyOf(panllama), List.copyOf(llamaCpp), ours, theirs,
                ratio, target, target == null ? null : ratio >= target);
    }

    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values to take the median of");
        }
        return Stats.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
