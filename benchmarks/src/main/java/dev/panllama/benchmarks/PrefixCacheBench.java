package dev.panllama.benchmarks;

import dev.panllama.benchmarks.report.ReportCharts;
import dev.panllama.benchmarks.report.ReportFiles;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared-prefix workload: {@code requests} prompts made of one {@code prefixTokens}-long prefix and a unique
 * {@code suffixTokens}-long suffix, all sent at once, each generating {@code maxTokens} greedy tokens. Time to
 * first token is measured per request through panllama with prefix caching on and off, and through llama-server
 * (same build, model, slots, KV size and threads, its prompt cache on), interleaved, in one run.
 */
public final class PrefixCacheBench {
    private static final Logger LOG = LoggerFactory.getLogger(PrefixCacheBench.class);

    /**
     * @param model       the GGUF model
     * @param requests    requests per burst
     * @param slots       sequences decoded together (panllama's max_num_seqs, llama-server's --parallel)
     * @param kvTokens    KV cache cells for all of them
     * @param threads     CPU threads on both sides
     * @param repetitions bursts per target; TTFTs of all bursts are pooled
     */
    public record Config(Path model, int requests, int prefixTokens, int suffixTokens, int maxTokens, int slots,
                         int kvTokens, int threads, int repetitions) {}

    /** One target's pooled time-to-first-token samples, and the wall time of its bursts. */
    public record Result(String target, double ttftP50Ms, double ttftP99Ms, double meanBurstSeconds, int samples) {}

    public record Report(String date, Config config, Map<String, String> host, List<Result> results,
                         Map<String, Double> ratios) {}

    private PrefixCacheBench() {}

    public static Report run(Config config, Path llamaServer) throws Exception {
        Map<String, List<Double>> ttft = new LinkedHashMap<>();
        Map<String, Double> wall = new LinkedHashMap<>();
        for (String target : List.of("panllama, cache on", "panllama, cache off", "llama-server")) {
            ttft.put(target, new ArrayList<>());
            wall.put(target, 0.0);
        }
        int vocab = vocabularySize(config.model());
        SamplingParams params = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(config.maxTokens())
                .outputKind(RequestOutputKind.DELTA).build();
        // engines and server live for the whole run; each burst brings a prefix none of them has seen
        try (AsyncLLM cacheOn = engine(config, true); AsyncLLM cacheOff = engine(config, false);
             LlamaServerProcess server = LlamaServerProcess.start(llamaServer, config.model(), config.slots(),
                     config.kvTokens(), config.threads())) {
            for (int rep = 0; rep < config.repetitions(); rep++) {
                List<int[]> prompts = prompts(config, vocab, rep);
                for (AsyncLLM llm : List.of(cacheOn, cacheOff)) {
                    String target = llm == cacheOn ? "panllama, cache on" : "panllama, cache off";
                    long start = System.nanoTime();
                    ttft.get(target).addAll(burst(prompts, (i, prompt) -> panllamaFirstToken(llm, params, prompt, "prefix-" + i)));
                    wall.merge(target, (System.nanoTime() - start) / 1e9, Double::sum);
                }
                long start = System.nanoTime();
                ttft.get("llama-server").addAll(burst(prompts, (i, prompt) -> server.firstTokenMillis(prompt, config.maxTokens())));
                wall.merge("llama-server", (System.nanoTime() - start) / 1e9, Double::sum);
            }
        }
        List<Result> results = new ArrayList<>();
        ttft.forEach((target, samples) -> results.add(new Result(target, percentile(samples, 50), percentile(samples, 99),
                wall.get(target) / config.repetitions(), samples.size())));
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("ttft_p50_cache_on_vs_off", results.get(0).ttftP50Ms() / results.get(1).ttftP50Ms());
        ratios.put("ttft_p50_cache_on_vs_llama_server", results.get(0).ttftP50Ms() / results.get(2).ttftP50Ms());
        ratios.put("ttft_p99_cache_on_vs_llama_server", results.get(0).ttftP99Ms() / results.get(2).ttftP99Ms());
        return new Report(LocalDate.now().toString(), config, HostInfo.summary(RepoLayout.locate()), results, ratios);
    }

    private static AsyncLLM engine(Config config, boolean caching) {
        return AsyncLLM.fromEngineArgs(EngineArgs.builder().model(config.model()).maxNumSeqs(config.slots())
                .kvCacheTokens(config.kvTokens()).threads(config.threads()).enablePrefixCaching(caching).build());
    }

    private static int vocabularySize(Path model) {
        try (Model loaded = Model.load(model, ModelParams.defaults().withVocabOnly(true))) {
            return loaded.vocab().tokenCount();
        }
    }

    /** Random non-special tokens: the same prefix for all, a different suffix each; burst {@code rep} seeds them. */
    private static List<int[]> prompts(Config config, int vocab, int rep) {
        Random random = new Random(42 + rep);
        int[] prefix = random.ints(config.prefixTokens(), 3, vocab).toArray();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < config.requests(); i++) {
            int[] prompt = Arrays.copyOf(prefix, config.prefixTokens() + config.suffixTokens());
            for (int j = config.prefixTokens(); j < prompt.length; j++) {
                prompt[j] = 3 + random.nextInt(vocab - 3);
            }
            prompts.add(prompt);
        }
        return prompts;
    }

    /** A request's time to its first generated token in ms. */
    private interface FirstToken {
        double millis(int index, int[] prompt) throws Exception;
    }

    /** Sends every prompt at once, each from its own virtual thread; returns their times to first token, in order. */
    private static List<Double> burst(List<int[]> prompts, FirstToken request) throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Double>> ttfts = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                int index = i;
                ttfts.add(clients.submit(() -> request.millis(index, prompts.get(index))));
            }
            List<Double> samples = new ArrayList<>();
            for (Future<Double> f : ttfts) {
                samples.add(f.get(10, TimeUnit.MINUTES));
            }
            return samples;
        }
    }

    private static double panllamaFirstToken(AsyncLLM llm, SamplingParams params, int[] prompt, String id) {
        long sent = System.nanoTime();
        double first = -1;
        try (RequestStream stream = llm.generate(Prompt.tokens(prompt), params, id)) {
            while (stream.hasNext()) {
                RequestOutput out = stream.next();
                if (first < 0 && !out.outputs().getFirst().tokenIds().isEmpty()) {
                    first = (System.nanoTime() - sent) / 1e6;
                }
            }
        }
        return first;
    }

    private static double percentile(List<Double> samples, double p) {
        return Stats.percentile(samples.stream().mapToDouble(Double::doubleValue).toArray(), p);
    }

    /** Writes {@code prefix.json}, {@code prefix.md} and its chart into {@code dir}. */
    public static void write(Report report, Path dir) throws IOException {
        Config c = report.config();
        StringBuilder md = new StringBuilder();
        md.append("# Shared-prefix TTFT: panllama prefix caching vs caching off vs llama-server\n\n");
        md.append(String.format(Locale.ROOT, "%s, model `%s`, %d requests at once, %d-token shared prefix + %d-token"
                        + " unique suffix, %d tokens each, %d slots, %d KV cells, %d threads, %d bursts per target.%n%n",
                report.date() + " (" + String.join(", ", report.host().values()) + ")", c.model().getFileName(), c.requests(), c.prefixTokens(), c.suffixTokens(), c.maxTokens(),
                c.slots(), c.kvTokens(), c.threads(), c.repetitions()));
        md.append("| target | TTFT p50 (ms) | TTFT p99 (ms) | burst (s) |\n|---|---:|---:|---:|\n");
        for (Result r : report.results()) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f |%n", r.target(), r.ttftP50Ms(), r.ttftP99Ms(),
                    r.meanBurstSeconds()));
        }
        md.append("\n| ratio | value |\n|---|---:|\n");
        report.ratios().forEach((k, v) -> md.append(String.format(Locale.ROOT, "| %s | %.3f |%n", k, v)));
        ReportFiles.write(dir, ReportCharts.PREFIX_JSON, report, "prefix.md", md.toString());
        LOG.info("prefix-cache report in {}", dir);
    }
}
