package dev.panllama.benchmarks;

import dev.panllama.engine.core.StepStats;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Where a panllama decode step's time went, from the engine's own {@link StepStats} of the steps in which every stream
 * decoded and none prefilled: medians in microseconds. {@code period} is start to start of consecutive steps;
 * {@code decode} is llama_decode up to the device finishing, of which {@code decodeCall} is the call itself (on a GPU
 * the host's share: inputs, attention mask, graph launch, while the device waits); {@code sample} is reading logits and picking tokens;
 * {@code scheduling} is the rest of the step (batch building, KV bookkeeping, outputs handed over); {@code between} is
 * the engine thread's time outside steps (its inbox, control checks). llama.cpp's tools spend only {@code decode}.
 * {@code meanPeriodMicros} is the mean period: above the median when some steps stall, which a rate counts in full;
 * {@code newGraphPeriodMicros} is the mean period of the steps that built a new graph (0 when none did);
 * {@code firstPrefillPeriodMicros} is the period of the measurement's first step that prefilled (for a single stream,
 * its prompt's step), which the counted steps leave out but a rate includes.
 * {@code graphReuse} is the share of the counted steps that llama.cpp ran on the previous step's graph: a step that
 * does not rebuilds and reallocates it (and on a GPU captures it anew), which llama-bench's steady loop never does.
 *
 * @param model  which model ({@link BenchModels}); null until {@link #forModel} names it
 * @param streams the streams decoding in each counted step
 * @param steps  how many steps were counted
 */
public record StepAnatomy(String model, int streams, int steps, double periodMicros, double decodeMicros,
                          double decodeCallMicros, double sampleMicros, double schedulingMicros, double betweenMicros, double graphReuse,
                          double meanPeriodMicros, double newGraphPeriodMicros, double firstPrefillPeriodMicros) {

    /** The anatomy of the steps in {@code recorded} that decoded exactly {@code streams} requests; null when none did. */
    static StepAnatomy of(int streams, Collection<StepStats> recorded) {
        List<StepStats> steps = recorded.stream()
                .filter(s -> s.nanos() > 0 && s.prefillTokens() == 0 && s.decodeRequests().size() == streams)
                .sorted((a, b) -> Long.compare(a.step(), b.step()))
                .toList();
        if (steps.size() < 2) {
            return null;
        }
        long[] periods = new long[steps.size() - 1];
        long[] between = new long[steps.size() - 1];
        long newGraphNanos = 0;
        int newGraphSteps = 0;
        int n = 0;
        for (int i = 1; i < steps.size(); i++) {
            StepStats previous = steps.get(i - 1);
            StepStats current = steps.get(i);
            if (current.step() == previous.step() + 1) {
                long period = current.startNanos() - previous.startNanos();
                periods[n] = period;
                between[n++] = period - previous.nanos();
                if (!previous.graphReused()) {
                    newGraphNanos += period;
                    newGraphSteps++;
                }
            }
        }
        return new StepAnatomy(null, streams, steps.size(),
                medianMicros(Arrays.copyOf(periods, n)),
                medianMicros(steps, StepStats::decodeNanos),
                medianMicros(steps, StepStats::decodeCallNanos),
                medianMicros(steps, StepStats::sampleNanos),
                medianMicros(steps, s -> s.nanos() - s.decodeNanos() - s.sampleNanos()),
                medianMicros(Arrays.copyOf(between, n)),
                steps.stream().filter(StepStats::graphReused).count() / (double) steps.size(),
                Arrays.stream(periods, 0, n).average().orElse(0) / 1e3,
                newGraphSteps == 0 ? 0 : newGraphNanos / 1e3 / newGraphSteps,
                firstPrefillPeriodMicros(recorded));
    }

    StepAnatomy forModel(String name) {
        return new StepAnatomy(name, streams, steps, periodMicros, decodeMicros, decodeCallMicros, sampleMicros, schedulingMicros, betweenMicros,
                graphReuse, meanPeriodMicros, newGraphPeriodMicros, firstPrefillPeriodMicros);
    }

    private static double firstPrefillPeriodMicros(Collection<StepStats> recorded) {
        List<StepStats> all = recorded.stream().filter(s -> s.nanos() > 0)
                .sorted((a, b) -> Long.compare(a.step(), b.step())).toList();
        for (int i = 0; i + 1 < all.size(); i++) {
            if (all.get(i).prefillTokens() > 0 && all.get(i + 1).step() == all.get(i).step() + 1) {
                return (all.get(i + 1).startNanos() - all.get(i).startNanos()) / 1e3;
            }
        }
        return 0;
    }

    private static double medianMicros(List<StepStats> steps, ToLongFunction<StepStats> value) {
        return medianMicros(steps.stream().mapToLong(value).toArray());
    }

    private static double medianMicros(long[] nanos) {
        return Stats.median(Arrays.stream(nanos).asDoubleStream().toArray()) / 1e3;
    }
}
