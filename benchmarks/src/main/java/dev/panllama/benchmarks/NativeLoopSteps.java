package dev.panllama.benchmarks;

/**
 * One measurement of {@link NativeDecodeLoop}: its rate and how its steps (llama_decode + llama_synchronize, as
 * llama.cpp's tools time them) were spread, in microseconds, comparable with panllama's {@link StepAnatomy}.
 *
 * @param model                which model ({@link BenchModels}); null until {@link #forModel} names it
 * @param loop                 {@code tg} (llama-bench's loop), {@code batched} (llama-batched-bench's) or
 *                             {@code batched, in-graph picks} (the same with llama.cpp's greedy sampler on every sequence)
 * @param streams              sequences decoding in each step (1 for the tg loop)
 * @param tokensPerSecond      the loop's rate: the median run's for tg, S_TG for batched
 * @param steps                how many steps were timed
 * @param medianStepMicros     the median step
 * @param medianCallMicros     the median time until llama_decode returned (on a GPU the host's share of a step)
 * @param meanStepMicros       the mean step, which slow steps raise above the median
 * @param graphReuse           the share of steps llama.cpp ran on the previous step's graph
 * @param newGraphStepMicros   the mean of the steps that built a new graph (0 when none did)
 */
public record NativeLoopSteps(String model, String loop, int streams, double tokensPerSecond, int steps, double medianStepMicros,
                              double medianCallMicros, double meanStepMicros, double graphReuse, double newGraphStepMicros) {
    /** {@link #loop} of llama-bench's loop, as {@code native-decode-loop.c} names it. */
    static final String TG = "tg";
    /** {@link #loop} of llama-batched-bench's loop with every sequence picking in the graph. */
    static final String BATCHED_WITH_PICKS = "batched, in-graph picks";

    NativeLoopSteps forModel(String name) {
        return new NativeLoopSteps(name, loop, streams, tokensPerSecond, steps, medianStepMicros, medianCallMicros, meanStepMicros, graphReuse,
                newGraphStepMicros);
    }
}
