package dev.panllama.cli;

import dev.panllama.benchmarks.BenchModels;
import dev.panllama.benchmarks.BenchPreset;
import dev.panllama.benchmarks.Comparison;
import dev.panllama.benchmarks.KvLayout;
import dev.panllama.benchmarks.NativeLoopSteps;
import dev.panllama.benchmarks.PanllamaBench;
import dev.panllama.benchmarks.RawBatchedLoop;
import dev.panllama.benchmarks.RawDecodeLoop;
import dev.panllama.benchmarks.RepoLayout;
import dev.panllama.benchmarks.SideBySide;
import dev.panllama.benchmarks.SideBySideReport;
import dev.panllama.benchmarks.StepAnatomy;
import dev.panllama.benchmarks.Workload;
import dev.panllama.benchmarks.ffm.FfmBoundaryRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code panllama bench}: measure decode speed, alone or side by side with llama.cpp's own tools. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark panllama, alone or against llama.cpp.",
        subcommands = {BenchCommand.SideBySideRun.class, BenchCommand.Latency.class, BenchCommand.Throughput.class,
            BenchCommand.Ffm.class, BenchPrefixCommand.class, BenchServeCommand.class, BenchEmbedCommand.class,
            BenchChartCommand.class})
final class BenchCommand {

    @Command(name = "side-by-side", mixinStandardHelpOptions = true,
            description = "Run a preset through panllama and llama.cpp's llama-bench / llama-batched-bench (same build, same"
                    + " threads, interleaved repetitions); write report.json and report.md.")
    static final class SideBySideRun implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--preset", defaultValue = "cpu-quick", description = "cpu-quick, cpu-full or gpu (default: ${DEFAULT-VALUE}).")
        String preset;

        @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Threads for both sides (default: half the cores).")
        int threads;

        @Option(names = "--repetitions", defaultValue = "0", description = "Repetitions of each measurement (default: the preset's).")
        int repetitions;

        @Option(names = {"-o", "--output-dir"}, description = "Report directory (default: benchmarks/results/<date>-<preset>).")
        Path outputDir;

        @Option(names = "--models", split = ",", description = "Only these of the preset's models.")
        List<String> models;

        @Option(names = "--streams", split = ",", description = "Aggregate decode at these stream counts instead of the preset's.")
        List<Integer> streams;

        @Mixin
        KvLayoutOptions kv = new KvLayoutOptions();

        @Override
        public Integer call() throws Exception {
            BenchPreset chosen = BenchPreset.byName(preset);
            if (models != null && !models.isEmpty()) {
                chosen = chosen.onlyModels(models);
            }
            if (threads > 0) {
                chosen = chosen.withThreads(threads);
            }
            if (streams != null && !streams.isEmpty()) {
                chosen = chosen.withConcurrency(streams);
            }
            if (repetitions > 0) {
                chosen = chosen.withRepetitions(repetitions);
            }
            RepoLayout repo = RepoLayout.locate();
            Path dir = outputDir != null ? outputDir : repo.datedResultsDir(chosen.name());
            var err = spec.commandLine().getErr();
            SideBySideReport report = new SideBySide(chosen, repo, line -> err.println("bench: " + line)).kvLayout(kv.layout())
                    .run(dir, "panllama " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            var out = spec.commandLine().getOut();
            out.println(report.markdown());
            out.println("wrote " + dir.resolve("report.json") + " and " + dir.resolve("report.md"));
            boolean allMet = report.comparisons().stream().allMatch(c -> c.meetsTarget() == null || c.meetsTarget());
            return allMet ? 0 : 3;
        }
    }

    /** The KV layout of a benchmark's concurrent streams (panllama's engine, and llama.cpp's tools where they run too). */
    static final class KvLayoutOptions {
        @Option(names = "--pin-kv-view", description = "Pin panllama's KV attention view to the cache's whole length (sized"
                + " to the widest run): one decode graph instead of a new one every 256 cells of growth; the cache is then"
                + " unified.")
        boolean pinKvView;

        @Option(names = "--kv-unified", description = "One unified KV buffer for all streams (llama-batched-bench -kvu)"
                + " instead of a KV stream per sequence.")
        boolean kvUnified;

        KvLayout layout() {
            return new KvLayout(pinKvView, kvUnified);
        }
    }

    /** Options of the panllama-only runs. */
    static final class ModelChoice {
        @Option(names = {"-m", "--model"}, defaultValue = BenchModels.STORIES_260K,
                description = "stories260K, llama-3.2-1b-q4_0 (synthesized once into the cache) or a GGUF path (default: ${DEFAULT-VALUE}).")
        String model;

        @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "CPU threads (default: all cores).")
        int threads;

        @Option(names = "--repetitions", defaultValue = "3", description = "Runs; the median is reported (default: ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--gpu", description = "Offload every layer and turn flash attention on (a CUDA or Metal build).")
        boolean gpu;

        @Option(names = "--device-sampling", arity = "1", description = "true/false: pick greedy tokens inside the decode graph"
                + " (default: the engine's, on with a GPU).")
        Boolean deviceSampling;

        Path resolve() {
            return BenchModels.resolveNameOrPath(model);
        }

        int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    @Command(name = "latency", mixinStandardHelpOptions = true,
            description = "Single-stream decode speed through AsyncLLM (tokens/s, prefill excluded).")
    static final class Latency implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        ModelChoice choice = new ModelChoice();

        @Option(names = {"-n", "--tokens"}, defaultValue = "128", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
        int tokens;

        @Option(names = "--raw", description = "Also run llama-bench's tg loop through the bindings without the engine"
                + " (decode + synchronize per token, random next token, nothing sampled): what calling llama.cpp from"
                + " the JVM costs, apart from what the engine adds.")
        boolean raw;

        @Override
        public Integer call() throws InterruptedException {
            List<Double> rates = new ArrayList<>();
            var out = spec.commandLine().getOut();
            Path modelFile = choice.resolve();
            try (PanllamaBench bench = PanllamaBench.forSingleStream(modelFile, tokens, choice.effectiveThreads(), choice.gpu,
                    choice.deviceSampling)) {
                for (int i = 0; i < choice.repetitions; i++) {
                    rates.add(bench.singleStreamDecode(tokens));
                }
                out.printf("single-stream decode: %.1f tok/s (median of %s)%n", Comparison.median(rates), format(rates));
                printAnatomy(out, bench.lastAnatomy());
            }
            if (raw) {
                int runs = Math.max(3, choice.repetitions);
                try (RawDecodeLoop loop = RawDecodeLoop.open(modelFile, tokens, choice.effectiveThreads(), choice.gpu)) {
                    out.printf("raw decode loop, no engine: %.1f tok/s (median of %d runs)%n", loop.tokensPerSecond(runs), runs);
                }
            }
            return 0;
        }
    }

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = "Aggregate decode speed of concurrent streams through AsyncLLM (tokens/s, prefill excluded).")
    static final class Throughput implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        ModelChoice choice = new ModelChoice();

        @Option(names = "--streams", split = ",", defaultValue = "1,4,8,16", description = "Concurrent streams (default: ${DEFAULT-VALUE}).")
        List<Integer> streams;

        @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length per stream (default: ${DEFAULT-VALUE}).")
        int promptTokens;

        @Option(names = "--generated-tokens", defaultValue = "64", description = "Tokens per stream (default: ${DEFAULT-VALUE}).")
        int generatedTokens;

        @Mixin
        KvLayoutOptions kv = new KvLayoutOptions();

        @Option(names = "--raw", description = "Also run llama-batched-bench's generation loop through the bindings without"
                + " the engine, in the same KV layout, picking tokens in the graph when the engine does (--device-sampling):"
                + " what calling llama.cpp from the JVM costs at this width, apart from what the engine adds.")
        boolean raw;

        @Override
        public Integer call() throws InterruptedException {
            Workload w = new Workload(choice.model, 2, promptTokens, generatedTokens, streams);
            var out = spec.commandLine().getOut();
            Path modelFile = choice.resolve();
            try (PanllamaBench bench = PanllamaBench.forConcurrency(modelFile, w, choice.effectiveThreads(), choice.gpu,
                    choice.deviceSampling, kv.layout())) {
                for (int n : w.concurrency()) {
                    List<Double> rates = new ArrayList<>();
                    for (int i = 0; i < choice.repetitions; i++) {
                        rates.add(bench.concurrentDecode(n, promptTokens, generatedTokens));
                    }
                    out.printf("%2d streams: %.1f tok/s aggregate (median of %s)%n", n, Comparison.median(rates), format(rates));
                    printAnatomy(out, bench.lastAnatomy());
                }
            }
            if (raw) {
                try (RawBatchedLoop loop = RawBatchedLoop.open(modelFile, w, choice.effectiveThreads(), choice.gpu,
                        kv.layout().unified(), choice.deviceSampling)) {
                    for (int n : w.concurrency()) {
                        List<NativeLoopSteps> runs = new ArrayList<>();
                        for (int i = 0; i < choice.repetitions; i++) {
                            runs.add(loop.run(n));
                        }
                        runs.sort(Comparator.comparingDouble(NativeLoopSteps::tokensPerSecond));
                        NativeLoopSteps median = runs.get(runs.size() / 2);
                        out.printf("%2d streams, %s: %.1f tok/s (median run of %d); step %.1f µs, its call %.1f µs (medians of"
                                        + " %d steps; mean step %.1f µs; %.0f%% on a reused graph)%n", n, median.loop(),
                                median.tokensPerSecond(), runs.size(), median.medianStepMicros(), median.medianCallMicros(),
                                median.steps(), median.meanStepMicros(), 100 * median.graphReuse());
                    }
                }
            }
            return 0;
        }
    }

    /** One line on where the last run's decode steps spent their time (medians, µs). */
    private static void printAnatomy(PrintWriter out, StepAnatomy a) {
        if (a != null) {
            out.printf("    step %.1f µs = decode %.1f (its call %.1f) + sample %.1f + scheduling %.1f + between %.1f (median of"
                            + " %d steps; mean step %.1f µs; %.0f%% on a reused graph, %.1f µs a step on a new one; first"
                            + " prefill step %.1f µs)%n", a.periodMicros(), a.decodeMicros(), a.decodeCallMicros(),
                    a.sampleMicros(), a.schedulingMicros(), a.betweenMicros(), a.steps(), a.meanPeriodMicros(),
                    100 * a.graphReuse(), a.newGraphPeriodMicros(), a.firstPrefillPeriodMicros());
        }
    }

    @Command(name = "ffm", mixinStandardHelpOptions = true,
            description = "JMH micro-benchmarks of the FFM boundary (decode, sample, token_to_piece, batch writes, a bare"
                    + " downcall) on stories260K; writes ffm-jmh.json and ffm.md.")
    static final class Ffm implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "Decode threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = {"-o", "--output-dir"}, description = "Report directory (default: benchmarks/results/<date>-ffm).")
        Path outputDir;

        @Override
        public Integer call() throws Exception {
            Path dir = outputDir != null ? outputDir : RepoLayout.locate().datedResultsDir("ffm");
            spec.commandLine().getOut().println(FfmBoundaryRun.run(dir, threads));
            spec.commandLine().getOut().println("wrote " + dir.resolve("ffm-jmh.json") + " and " + dir.resolve("ffm.md"));
            return 0;
        }
    }

    private static String format(List<Double> values) {
        return values.stream().map(v -> String.format("%.1f", v)).toList().toString();
    }
}
