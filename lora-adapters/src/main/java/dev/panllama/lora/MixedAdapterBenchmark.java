package dev.panllama.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Throughput of concurrent requests that use different adapters against the same requests without adapters.
 * llama.cpp applies one adapter set per decode, so a mix splits each step's batch into buckets that take turns;
 * this measures what that costs. Writes {@code lora-mixed.json} and {@code lora-mixed.md}.
 */
public final class MixedAdapterBenchmark {
    private static final String[] PROMPTS = {"Once upon a time", "The little dog ran", "Hello world", "She said that"};

    /**
     * @param requests  concurrent requests per run
     * @param maxTokens generated per request (EOS ignored)
     * @param repeats   timed runs per scenario after a warm-up run; medians and bests are reported
     */
    public record Settings(int requests, int maxTokens, int repeats, int threads) {}

    /** One timed run of a scenario. */
    public record Result(String scenario, int adapters, int requests, long outputTokens, double seconds,
                         double tokensPerSecond, double cpuSeconds, double tokensPerCpuSecond) {}

    /** A scenario over its runs: the median says what to expect, the best what a quiet machine gives. */
    public record Summary(String scenario, int adapters, long outputTokensPerRun, double medianTokensPerSecond,
                          double bestTokensPerSecond, double medianTokensPerCpuSecond, List<Result> runs) {
        static Summary of(List<Result> runs) {
            Result first = runs.getFirst();
            return new Summary(first.scenario(), first.adapters(), first.outputTokens(),
                    median(runs.stream().mapToDouble(Result::tokensPerSecond).toArray()),
                    runs.stream().mapToDouble(Result::tokensPerSecond).max().orElse(0),
                    median(runs.stream().mapToDouble(Result::tokensPerCpuSecond).toArray()), List.copyOf(runs));
        }

        private static double median(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
    }

    private MixedAdapterBenchmark() {}

    /** A request mix: which adapter request i uses (null = the base model). */
    private record Scenario(String name, int adapters, IntFunction<LoraRequest> loraOf) {}

    /**
     * Runs base-only, one adapter for all, and base + each adapter in equal shares; writes the report. The
     * scenarios take turns run by run, so a busy spell of the machine hits them alike rather than one of them.
     */
    public static List<Summary> run(Path model, List<Path> adapters, Settings settings, Path reportDir) {
        EngineArgs args = EngineArgs.builder().model(model).maxModelLen(settings.maxTokens() + 64)
                .maxNumSeqs(settings.requests()).maxNumBatchedTokens(512).threads(settings.threads())
                .enableLora(true).maxLoras(adapters.size()).maxCpuLoras(adapters.size()).build();
        Map<String, List<Result>> runs = new LinkedHashMap<>();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args)) {
            List<LoraRequest> loras = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                loras.add(new LoraRequest("adapter-" + (i + 1), i + 1, adapters.get(i)));
                llm.addLora(loras.getLast()).join();
            }
            int buckets = loras.size() + 1;
            List<Scenario> scenarios = List.of(
                    new Scenario("base only", 0, i -> null),
                    new Scenario("one adapter for all", 1, i -> loras.getFirst()),
                    new Scenario("base + " + loras.size() + " adapters", loras.size(),
                            i -> i % buckets == 0 ? null : loras.get(i % buckets - 1)));
            for (int run = 0; run <= settings.repeats(); run++) {
                for (Scenario scenario : scenarios) {
                    Result result = once(llm, scenario, settings);
                    if (run > 0) { // run 0 warms up
                        runs.computeIfAbsent(scenario.name(), k -> new ArrayList<>()).add(result);
                    }
                }
            }
        }
        List<Summary> results = runs.values().stream().map(Summary::of).toList();
        write(reportDir, model, settings, results);
        return results;
    }

    private static Result once(AsyncLLM llm, Scenario scenario, Settings settings) {
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < settings.requests(); i++) {
            streams.add(llm.generate(Prompt.text(PROMPTS[i % PROMPTS.length]), SamplingParams.builder().temperature(0)
                    .maxTokens(settings.maxTokens()).ignoreEos(true).build(), scenario.name() + "-" + i,
                    GenerateOptions.defaults().withLoraRequest(scenario.loraOf().apply(i))));
        }
        long tokens = 0;
        for (RequestStream s : streams) {
            tokens += s.finalOutput().outputs().getFirst().tokenIds().size();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        return new Result(scenario.name(), scenario.adapters(), settings.requests(), tokens, seconds, tokens / seconds,
                cpu, tokens / cpu);
    }

    /** CPU time of the whole process: on a shared machine, tokens per CPU second varies less than per wall second. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void write(Path dir, Path model, Settings settings, List<Summary> results) {
        try {
            Files.createDirectories(dir);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("benchmark", "lora-mixed");
            report.put("model", model.getFileName().toString());
            report.put("settings", settings);
            report.put("results", results);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("lora-mixed.json").toFile(), report);
            StringBuilder md = new StringBuilder();
            md.append("# LoRA: mixed adapters vs base\n\n")
                    .append("Model `").append(model.getFileName()).append("`, ").append(settings.requests())
                    .append(" concurrent greedy requests × ").append(settings.maxTokens()).append(" tokens, ")
                    .append(settings.threads()).append(" threads, ").append(settings.repeats())
                    .append(" runs per scenario, scenarios interleaved.\n\n")
                    .append("| scenario | adapters | output tokens | median tokens/s | vs base | best tokens/s | median tokens/CPU s | vs base |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            Summary base = results.getFirst();
            for (Summary r : results) {
                md.append(String.format("| %s | %d | %d | %.1f | %.2f× | %.1f | %.1f | %.2f× |%n", r.scenario(), r.adapters(),
                        r.outputTokensPerRun(), r.medianTokensPerSecond(), r.medianTokensPerSecond() / base.medianTokensPerSecond(),
                        r.bestTokensPerSecond(), r.medianTokensPerCpuSecond(),
                        r.medianTokensPerCpuSecond() / base.medianTokensPerCpuSecond()));
            }
            Files.writeString(dir.resolve("lora-mixed.md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark report to " + dir, e);
        }
    }
}
