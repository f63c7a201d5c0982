package dev.panllama.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.QuantType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sleep mode against a cold start: how long {@code wakeUp()} takes after {@code sleep(1)} and {@code sleep(2)}
 * compared with building a new engine from the same file ({@code AsyncLLM.fromEngineArgs}), and how much resident
 * memory each sleep gives back. Writes {@code sleep-wake.json} and {@code sleep-wake.md}.
 *
 * <p>Usage: {@code SleepWakeBenchmark [model.gguf] [output-dir] [iterations]}; without a model it uses (and if
 * needed synthesizes) the Q4_0 llama-3.2-1b in the panllama cache. The file is in the page cache for every
 * cold load measured here (it was just read), so "cold" means a new process-level engine, not a cold disk.
 */
public final class SleepWakeBenchmark {
    private static final int KV_TOKENS = 8192;
    /**
     * One decode thread: on a shared, oversubscribed machine every barrier of a multi-threaded decode can wait a
     * scheduler time slice for its partner, which turns the first-token column into noise. Load and wake-up
     * times do not depend on it.
     */
    private static final int THREADS = Integer.getInteger("panllama.bench.threads", 1);

    private SleepWakeBenchmark() {}

    /** Times until the engine accepts work again, then until its first token (same prompt in all three paths). */
    record Sample(double coldLoadMs, double coldFirstTokenMs, double wakeLevel1Ms, double level1FirstTokenMs,
                  double wakeLevel2Ms, double level2FirstTokenMs, long freedLevel1, long freedLevel2) {}

    private record Timed(double readyMs, double firstTokenMs) {}

    public static void main(String[] argv) throws Exception {
        Path model = argv.length > 0 ? Path.of(argv[0])
                : BenchModels.synthetic(ModelPreset.LLAMA_3_2_1B, QuantType.Q4_0);
        Path out = argv.length > 1 ? Path.of(argv[1]) : Path.of("target", "benchmarks");
        int iterations = argv.length > 2 ? Integer.parseInt(argv[2]) : 3;
        EngineArgs sleeping = args(model, true);
        EngineArgs plain = args(model, false);
        List<Sample> samples = new ArrayList<>();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(sleeping)) {
            generateOne(llm); // warm: first decode allocates graphs
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                Timed cold;
                try (AsyncLLM fresh = AsyncLLM.fromEngineArgs(plain)) {
                    long t1 = System.nanoTime();
                    generateOne(fresh);
                    cold = new Timed((t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
                }
                long awake = rss();
                llm.sleep(1).get();
                long freed1 = awake - rss();
                Timed wake1 = timeWake(llm);
                awake = rss();
                llm.sleep(2).get();
                long freed2 = awake - rss();
                Timed wake2 = timeWake(llm);
                samples.add(new Sample(cold.readyMs(), cold.firstTokenMs(), wake1.readyMs(), wake1.firstTokenMs(),
                        wake2.readyMs(), wake2.firstTokenMs(), freed1, freed2));
                System.out.printf(Locale.ROOT, "iteration %d: cold %s, level 1 %s, level 2 %s%n", i, cold, wake1, wake2);
            }
        }
        write(out, model, samples);
    }

    /** Wake-up, then one generated token. */
    private static Timed timeWake(AsyncLLM llm) throws Exception {
        long t0 = System.nanoTime();
        llm.wakeUp().get();
        long t1 = System.nanoTime();
        generateOne(llm);
        return new Timed((t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
    }

    private static void generateOne(AsyncLLM llm) {
        llm.generate(Prompt.text("Hello"), SamplingParams.builder().temperature(0).maxTokens(1).build(), "probe").finalOutput();
    }

    private static EngineArgs args(Path model, boolean sleepMode) {
        return EngineArgs.builder().model(model).maxModelLen(2048).maxNumSeqs(4).kvCacheTokens(KV_TOKENS)
                .threads(THREADS).enableSleepMode(sleepMode).build();
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    private static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
        return Stats.median(samples.stream().mapToDouble(f).toArray());
    }

    private static void write(Path out, Path model, List<Sample> samples) throws IOException {
        Files.createDirectories(out);
        double cold = median(samples, Sample::coldLoadMs);
        double wake1 = median(samples, Sample::wakeLevel1Ms);
        double wake2 = median(samples, Sample::wakeLevel2Ms);
        double coldToken = median(samples, Sample::coldFirstTokenMs);
        double token1 = median(samples, Sample::level1FirstTokenMs);
        double token2 = median(samples, Sample::level2FirstTokenMs);
        double freed1 = median(samples, Sample::freedLevel1) / 1048576.0;
        double freed2 = median(samples, Sample::freedLevel2) / 1048576.0;
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("model", model.getFileName().toString());
        root.put("model_bytes", Files.size(model));
        root.put("kv_cache_tokens", KV_TOKENS);
        root.put("iterations", samples.size());
        root.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        root.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
        root.put("cold_load_ms_median", cold);
        root.put("wake_level1_ms_median", wake1);
        root.put("wake_level2_ms_median", wake2);
        root.put("cold_first_token_ms_median", coldToken);
        root.put("level1_first_token_ms_median", token1);
        root.put("level2_first_token_ms_median", token2);
        root.put("speedup_level1", cold / wake1);
        root.put("speedup_level2", cold / wake2);
        root.put("rss_freed_level1_mib_median", freed1);
        root.put("rss_freed_level2_mib_median", freed2);
        root.set("samples", json.valueToTree(samples));
        json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("sleep-wake.json").toFile(), root);
        String md = String.format(Locale.ROOT, """
                # Sleep mode: wake-up vs cold load

                Model `%s` (%d MiB), KV cache %d tokens, %d iterations (medians). "Ready" is until the engine accepts
                work (`fromEngineArgs` returned, or the `wakeUp()` future completed); "then first token" is one greedy
                token for the same short prompt afterwards, which costs the same on every path.

                Machine: %d CPU cores (%d decode threads), load average at the end %s (other work on a shared machine inflates every time).

                | path | ready (ms) | speed-up vs cold load | then first token (ms) | RSS freed by the sleep (MiB) |
                |---|---:|---:|---:|---:|
                | cold load (`AsyncLLM.fromEngineArgs`) | %.1f | 1.0× | %.1f | – |
                | `sleep(1)` → `wakeUp()` | %.1f | %.1f× | %.1f | %.1f |
                | `sleep(2)` → `wakeUp()` | %.1f | %.1f× | %.1f | %.1f |
                """, model.getFileName(), Files.size(model) / 1048576, KV_TOKENS, samples.size(), Runtime.getRuntime().availableProcessors(), THREADS,
                Files.readString(Path.of("/proc/loadavg")).trim(), cold, coldToken, wake1,
                cold / wake1, token1, freed1, wake2, cold / wake2, token2, freed2);
        Files.writeString(out.resolve("sleep-wake.md"), md);
        System.out.print(md);
    }
}
