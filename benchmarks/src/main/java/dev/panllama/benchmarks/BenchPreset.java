package dev.panllama.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * A named benchmark configuration.
 *
 * @param name        what {@code --preset} calls it
 * @param threads     CPU threads for panllama and llama.cpp's tools alike; 0 = half the cores (at least one). Half,
 *                    because ggml's threads meet at spinning OpenMP barriers: when every core computes, any other
 *                    thread (panllama's output and reader threads, or another process) stalls a whole barrier, and
 *                    on a busy machine the results measure that contention instead of either side's decode
 * @param repetitions runs of every measurement, interleaved with llama.cpp's; reports give medians
 * @param samples     single-stream runs within one repetition (llama-bench {@code -r}); their median is the
 *                    repetition's value, so one stall from elsewhere on the machine does not decide it
 * @param gpu         every layer on the GPU and flash attention on, on both sides (llama.cpp's {@code -ngl 99 -fa on})
 * @param workloads   one per model
 */
public record BenchPreset(String name, int threads, int repetitions, int samples, boolean gpu, List<Workload> workloads) {

    /** Both models, short runs: under ten minutes on a 2-core machine. */
    public static final BenchPreset CPU_QUICK = new BenchPreset("cpu-quick", 0, 5, 5, false, List.of(
            new Workload(BenchModels.STORIES_260K, 256, 32, 64, List.of(1, 4, 8, 16)),
            new Workload(BenchModels.LLAMA_3_2_1B_Q4_0, 32, 16, 16, List.of(1, 4, 8, 16))));

    /** Longer runs and more repetitions, for a machine that has the time. */
    public static final BenchPreset CPU_FULL = new BenchPreset("cpu-full", 0, 5, 5, false, List.of(
            new Workload(BenchModels.STORIES_260K, 384, 128, 128, List.of(1, 4, 8, 16)),
            new Workload(BenchModels.LLAMA_3_2_1B_Q4_0, 128, 64, 64, List.of(1, 4, 8, 16))));

    /**
     * A CUDA (or Metal) build, a datacenter GPU: the synthetic 1B and 8B models fully offloaded, single-stream decode
     * and aggregate decode at 1, 8, 32 and 64 streams. CPU threads only feed the GPU.
     */
    public static final BenchPreset GPU = new BenchPreset("gpu", 8, 3, 3, true, List.of(
            new Workload(BenchModels.LLAMA_3_2_1B_Q4_0, 128, 128, 128, List.of(1, 8, 32, 64)),
            new Workload(BenchModels.LLAMA_3_1_8B_Q4_K_M, 128, 128, 128, List.of(1, 8, 32, 64))));

    public BenchPreset {
        if (repetitions < 1 || samples < 1 || threads < 0) {
            throw new IllegalArgumentException("preset " + name + " needs repetitions >= 1, samples >= 1 and threads >= 0");
        }
        workloads = List.copyOf(workloads);
    }

    public static List<BenchPreset> all() {
        return List.of(CPU_QUICK, CPU_FULL, GPU);
    }

    public static BenchPreset byName(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return all().stream().filter(p -> p.name().equals(wanted)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown preset '" + name + "'; known: " + all().stream().map(BenchPreset::name).toList()));
    }

    public BenchPreset withThreads(int count) {
        return new BenchPreset(name, count, repetitions, samples, gpu, workloads);
    }

    /** The preset restricted to these models (a GPU machine lent for minutes may only have time for some). */
    public BenchPreset onlyModels(List<String> models) {
        List<Workload> kept = workloads.stream().filter(w -> models.contains(w.model())).toList();
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("preset " + name + " has no workload for " + models + "; it has "
                    + workloads.stream().map(Workload::model).toList());
        }
        return new BenchPreset(name, threads, repetitions, samples, gpu, kept);
    }

    /** Every workload at these stream counts instead of its own (to fit a run into a short device lease). */
    public BenchPreset withConcurrency(List<Integer> streams) {
        List<Workload> changed = workloads.stream().map(w -> new Workload(w.model(), w.singleStreamTokens(), w.promptTokens(),
                w.generatedTokens(), streams)).toList();
        return new BenchPreset(name, threads, repetitions, samples, gpu, changed);
    }

    public BenchPreset withRepetitions(int count) {
        return new BenchPreset(name, threads, count, samples, gpu, workloads);
    }

    /** The thread count actually used: half the cores when the preset says 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
