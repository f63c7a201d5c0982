package dev.panllama.benchmarks;

import dev.panllama.benchmarks.report.ReportCharts;
import dev.panllama.benchmarks.report.ReportFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a preset through panllama and through llama.cpp's tools in one process, with the same threads and the same
 * native build, alternating which side goes first in each repetition so that load from elsewhere on the machine
 * falls on both sides alike; writes {@code report.json}, {@code report.md} and the charts ({@code charts/}).
 */
public final class SideBySide {
    private static final Logger LOG = LoggerFactory.getLogger(SideBySide.class);
    static final String MARKDOWN_FILE = ReportCharts.SIDE_BY_SIDE_MARKDOWN;

    private final BenchPreset preset;
    private final RepoLayout repo;
    private final Consumer<String> progress;
    private KvLayout kv = KvLayout.STREAMS;

    public SideBySide(BenchPreset preset, RepoLayout repo, Consumer<String> progress) {
        this.preset = preset;
        this.repo = repo;
        this.progress = progress;
    }

    /** Runs the concurrent streams of both sides in {@code layout} instead of a stream per sequence. */
    public SideBySide kvLayout(KvLayout layout) {
        this.kv = layout;
        return this;
    }

    /** The ratio llama.cpp's own rate must be matched to, or null: targets are the project's published goals. */
    static Double target(String model, String metric, int streams, boolean gpu) {
        if (gpu) {
            // a GPU leaves the host nothing to hide behind: single stream within 3%, and batching at least even
            if (metric.equals(Comparison.SINGLE_STREAM)) {
                return 0.97;
            }
            return streams == 32 ? 1.0 : null;
        }
        if (metric.equals(Comparison.SINGLE_STREAM)) {
            return model.equals(BenchModels.STORIES_260K) ? 0.85 : 0.95;
        }
        return streams == 8 ? 0.95 : null;
    }

    public SideBySideReport run(Path outputDir, String commandLine) throws IOException, InterruptedException {
        long began = System.nanoTime();
        String startedAt = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String commit = HostInfo.commit(repo); // before the run: edits made while it runs are not what it measured
        Files.createDirectories(outputDir);
        Path toolsLog = outputDir.resolve("llama-cpp-tools.log");
        ReferenceTools tools = ReferenceTools.ensureBuilt(repo, toolsLog);
        NativeDecodeLoop nativeLoop = NativeDecodeLoop.build(tools.binDir(), toolsLog);
        int threads = preset.effectiveThreads();
        Map<String, String> modelFiles = new LinkedHashMap<>();
        Map<Workload, Path> paths = new LinkedHashMap<>();
        for (Workload w : preset.workloads()) {
            progress.accept("model " + w.model() + ": resolving (synthetic models are written once, then reused)");
            Path file = BenchModels.resolve(w.model(), repo);
            paths.put(w, file);
            modelFiles.put(w.model(), file.toString());
        }
        Map<Workload, Samples> samples = new LinkedHashMap<>();
        preset.workloads().forEach(w -> samples.put(w, new Samples(w)));
        for (int rep = 0; rep < preset.repetitions(); rep++) {
            boolean panllamaFirst = rep % 2 == 0;
            for (Workload w : preset.workloads()) {
                progress.accept(String.format("repetition %d/%d, %s (%s first)", rep + 1, preset.repetitions(), w.model(),
                        panllamaFirst ? "panllama" : "llama.cpp"));
                measureOnce(w, paths.get(w), tools, nativeLoop, threads, panllamaFirst, samples.get(w));
            }
        }
        List<Comparison> comparisons = new ArrayList<>();
        samples.values().forEach(s -> comparisons.addAll(s.comparisons(preset.gpu())));
        List<StepAnatomy> anatomy = new ArrayList<>();
        samples.values().forEach(s -> anatomy.addAll(s.anatomy.values()));
        List<NativeLoopSteps> nativeSteps = new ArrayList<>();
        samples.values().forEach(s -> nativeSteps.addAll(s.nativeSteps.values()));
        SideBySideReport report = new SideBySideReport(preset.name(), startedAt, commit, HostInfo.llamaCpp(repo),
                HostInfo.host(), threads, preset.repetitions(), preset.samples(), commandLine, modelFiles, preset.workloads(), comparisons,
                anatomy, nativeSteps, (System.nanoTime() - began) / 1e9);
        write(report, outputDir);
        return report;
    }

    /**
     * One repetition of a workload on both sides. panllama's engines are started for it and shut down after it: every
     * engine thread leads its own OpenMP team, and once a process holds more OpenMP threads than there are cores,
     * libgomp stops spinning at ggml's barriers and sleeps instead, which would slow panllama for no reason of its
     * own. One engine at a time is also how llama.cpp's tools run.
     */
    private void measureOnce(Workload w, Path model, ReferenceTools tools, NativeDecodeLoop nativeLoop, int threads,
                             boolean panllamaFirst, Samples into) throws IOException, InterruptedException {
        // single stream, then aggregate, each side by side: a pair of rates is taken within seconds, so a host whose
        // speed drifts (a GPU host's CPU-side work moved 4% between rounds) moves both sides of a ratio alike
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == panllamaFirst) {
                List<Double> runs = new ArrayList<>();
                try (PanllamaBench single = PanllamaBench.forSingleStream(model, w.singleStreamTokens(), threads, preset.gpu())) {
                    for (int i = 0; i < preset.samples(); i++) {
                        runs.add(single.singleStreamDecode(w.singleStreamTokens()));
                    }
                    into.noteAnatomy("single", single.lastAnatomy());
                }
                into.single.panllama.add(Comparison.median(runs));
                try (RawDecodeLoop raw = RawDecodeLoop.open(model, w.singleStreamTokens(), threads, preset.gpu())) {
                    into.rawLoop.add(raw.tokensPerSecond(preset.samples()));
                }
            } else {
                into.single.llamaCpp.add(tools.benchDecode(model, w.singleStreamTokens(), threads, preset.samples(), preset.gpu()));
                // the same loop in C: on llama.cpp's side, as it is llama.cpp's calls without a JVM
                into.noteNative(nativeLoop.singleStream(model, w.singleStreamTokens(), threads, preset.gpu(), preset.samples()));
            }
        }
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == panllamaFirst) {
                try (PanllamaBench concurrent = PanllamaBench.forConcurrency(model, w, threads, preset.gpu(), null, kv)) {
                    for (int streams : w.concurrency()) {
                        into.aggregate.get(streams).panllama.add(concurrent.concurrentDecode(streams, w.promptTokens(),
                                w.generatedTokens()));
                        into.noteAnatomy("aggregate-" + streams, concurrent.lastAnatomy());
                    }
                }
                // the same steps through the bindings without the engine, picking where the engine picks
                try (RawBatchedLoop raw = RawBatchedLoop.open(model, w, threads, preset.gpu(), kv.unified(), null)) {
                    for (int streams : w.concurrency()) {
                        into.noteRawBatched(raw.run(streams));
                    }
                }
            } else {
                // the KV layout panllama's engine gets (PanllamaBench.forConcurrency)
                tools.batchedDecode(model, w, threads, preset.gpu(), kv.unified())
                        .forEach((streams, rate) -> into.aggregate.get(streams).llamaCpp.add(rate));
                nativeLoop.batched(model, w, threads, preset.gpu(), kv.unified()).values().forEach(into::noteNative);
                if (RawBatchedLoop.picksByDefault(preset.gpu())) {
                    // and with the engine's in-graph picks, still in C: what picking in the graph costs a step apart
                    // from the JVM (its steps only; llama-batched-bench picks nothing, so no ratio)
                    nativeLoop.batched(model, w, threads, preset.gpu(), kv.unified(), true).values().forEach(into::noteNativeSteps);
                }
            }
        }
        LOG.info("{}: single stream panllama {} vs llama-bench {}", w.model(), into.single.panllama, into.single.llamaCpp);
    }

    static void write(SideBySideReport report, Path outputDir) throws IOException {
        ReportFiles.write(outputDir, ReportCharts.SIDE_BY_SIDE_JSON, report, MARKDOWN_FILE, report.markdown());
    }

    /** Both sides' rates of one measurement, gathered over the repetitions. */
    private record Pair(List<Double> panllama, List<Double> llamaCpp) {
        Pair() {
            this(new ArrayList<>(), new ArrayList<>());
        }
    }

    /** A workload's pairs: single stream, and aggregate per stream count. */
    private static final class Samples {
        final Workload workload;
        final Pair single = new Pair();
        /** The raw decode loop's rates; compared with the same llama-bench rates as {@link #single}. */
        final List<Double> rawLoop = new ArrayList<>();
        final Map<Integer, Pair> aggregate = new LinkedHashMap<>();
        /** The native tg loop's rates, and the native batched loop's per stream count (0 = the tg loop's key). */
        final Map<Integer, List<Double>> nativeRates = new LinkedHashMap<>();
        /** The raw batched loop's rates per stream count. */
        final Map<Integer, List<Double>> rawBatchedRates = new LinkedHashMap<>();
        /** The latest repetition's step anatomy per measurement. */
        final Map<String, StepAnatomy> anatomy = new LinkedHashMap<>();
        /** The latest repetition's native loop steps, keyed by loop and stream count. */
        final Map<String, NativeLoopSteps> nativeSteps = new LinkedHashMap<>();

        Samples(Workload workload) {
            this.workload = workload;
            workload.concurrency().forEach(n -> aggregate.put(n, new Pair()));
        }

        /** Records a native loop's run: the tg loop ({@code tg}) or the batched loop at its stream count. */
        void noteNative(NativeLoopSteps measured) {
            boolean tg = measured.loop().equals(NativeLoopSteps.TG);
            noteNativeSteps(measured);
            nativeRates.computeIfAbsent(tg ? 0 : measured.streams(), k -> new ArrayList<>()).add(measured.tokensPerSecond());
        }

        /** Records how a native loop's steps were spread, without comparing its rate. */
        void noteNativeSteps(NativeLoopSteps measured) {
            nativeSteps.put(measured.loop() + "-" + measured.streams(), measured.forModel(workload.model()));
        }

        /** Records a run of the raw batched loop (its rate is compared with llama-batched-bench's at its width). */
        void noteRawBatched(NativeLoopSteps measured) {
            noteNativeSteps(measured);
            rawBatchedRates.computeIfAbsent(measured.streams(), k -> new ArrayList<>()).add(measured.tokensPerSecond());
        }

        void noteAnatomy(String measurement, StepAnatomy measured) {
            if (measured != null) {
                anatomy.put(measurement, measured.forModel(workload.model()));
            }
        }

        List<Comparison> comparisons(boolean gpu) {
            List<Comparison> list = new ArrayList<>();
            String model = workload.model();
            list.add(Comparison.of(model, Comparison.SINGLE_STREAM, 1, "llama-bench", single.panllama, single.llamaCpp,
                    target(model, Comparison.SINGLE_STREAM, 1, gpu)));
            if (!rawLoop.isEmpty()) {
                list.add(Comparison.of(model, Comparison.RAW_LOOP, 1, "llama-bench", rawLoop, single.llamaCpp, null));
            }
            if (nativeRates.containsKey(0)) {
                list.add(Comparison.of(model, Comparison.NATIVE_LOOP, 1, "llama-bench", nativeRates.get(0), single.llamaCpp, null));
            }
            aggregate.forEach((streams, pair) -> list.add(Comparison.of(model, Comparison.AGGREGATE, streams,
                    "llama-batched-bench", pair.panllama, pair.llamaCpp, target(model, Comparison.AGGREGATE, streams, gpu))));
            addAgainstBatchedBench(list, Comparison.RAW_BATCHED, rawBatchedRates);
            addAgainstBatchedBench(list, Comparison.NATIVE_BATCHED, nativeRates);
            return list;
        }

        /** A row of {@code metric} per stream count that both {@code rates} and llama-batched-bench measured. */
        private void addAgainstBatchedBench(List<Comparison> list, String metric, Map<Integer, List<Double>> rates) {
            aggregate.forEach((streams, pair) -> {
                if (rates.containsKey(streams) && !pair.llamaCpp.isEmpty()) {
                    list.add(Comparison.of(workload.model(), metric, streams, "llama-batched-bench", rates.get(streams),
                            pair.llamaCpp, null));
                }
            });
        }
    }
}
