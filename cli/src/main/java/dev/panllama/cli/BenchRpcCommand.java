package dev.panllama.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.ParallelConfig;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.models.ModelResolver;
import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import dev.panllama.engine.workers.LocalWorkers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code panllama bench-rpc}: decode throughput of one process against the same model split over two
 * {@code panllama worker}s on loopback, i.e. what the ggml RPC path costs per token. Writes JSON and Markdown.
 */
@Command(name = "bench-rpc", mixinStandardHelpOptions = true,
        description = "Tokens/s in one process vs the model split over two loopback RPC workers; writes JSON + Markdown.")
final class BenchRpcCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF model (default: stories260K).")
    String model;

    @Option(names = "--tokens", defaultValue = "128", description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--concurrency", defaultValue = "1,4", split = ",", description = "Concurrent requests per run (default: 1,4).")
    List<Integer> concurrency;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per setting; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "CPU threads per process (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", defaultValue = "target/bench-rpc", description = "Report directory (default: ${DEFAULT-VALUE}).")
    Path out;

    /** One measured setting. */
    record Result(String setup, int concurrency, int tokens, double seconds, double tokensPerSecond, double msPerToken) {}

    @Override
    public Integer call() throws IOException {
        Path modelPath = ModelResolver.resolve(model);
        List<Result> results = new ArrayList<>();
        try (AsyncLLM single = AsyncLLM.fromEngineArgs(args(modelPath, ParallelConfig.single()))) {
            measure("single process", single, results);
        }
        try (LocalWorkers workers = LocalWorkers.start(2, threads)) {
            ParallelConfig split = new ParallelConfig(workers.controlEndpoints(), workers.tokenFile(), 0, SplitMode.LAYER, 1);
            try (AsyncLLM remote = AsyncLLM.fromEngineArgs(args(modelPath, split))) {
                measure("2 RPC workers (loopback, layer split)", remote, results);
            }
        }
        write(modelPath, results);
        return 0;
    }

    private EngineArgs args(Path modelPath, ParallelConfig parallel) {
        return EngineArgs.builder().model(modelPath).maxModelLen(tokens + 64).maxNumSeqs(Math.max(4, maxConcurrency()))
                .threads(threads).parallel(parallel).build();
    }

    private int maxConcurrency() {
        return concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    private void measure(String setup, AsyncLLM llm, List<Result> results) {
        SamplingParams params = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(tokens).build();
        generate(llm, params, 1, "warmup");
        for (int n : concurrency) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                generate(llm, params, n, setup + n + "-" + r);
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            int total = n * tokens;
            results.add(new Result(setup, n, total, best, total / best, best * 1000 / tokens));
        }
    }

    /** Runs {@code n} requests at once and reads each to its end. */
    private static void generate(AsyncLLM llm, SamplingParams params, int n, String id) {
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            streams.add(llm.generate(Prompt.text("Once upon a time"), params, id + "-" + i));
        }
        for (RequestStream stream : streams) {
            try (stream) {
                RequestOutput last = null;
                while (stream.hasNext()) {
                    last = stream.next();
                }
                if (last == null || !last.finished()) {
                    throw new IllegalStateException("request " + stream.requestId() + " did not finish");
                }
            }
        }
    }

    private void write(Path modelPath, List<Result> results) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "rpc-split");
        report.put("time", Instant.now().toString());
        report.put("model", modelPath.toString());
        report.put("tokens_per_request", tokens);
        report.put("threads_per_process", threads);
        report.put("cpus", Runtime.getRuntime().availableProcessors());
        report.put("results", results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("bench-rpc.json").toFile(), report);
        StringBuilder md = new StringBuilder("# Decode throughput: one process vs two loopback RPC workers\n\n");
        md.append("Model `").append(modelPath.getFileName()).append("`, ").append(tokens).append(" greedy tokens per request, ")
                .append(threads).append(" thread(s) per process, ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs; best of ").append(repeats).append(".\n\n");
        md.append("| setup | concurrent requests | tokens | seconds | tok/s | ms per step |\n|---|---|---|---|---|---|\n");
        for (Result r : results) {
            md.append(String.format("| %s | %d | %d | %.3f | %.1f | %.3f |%n", r.setup(), r.concurrency(), r.tokens(), r.seconds(),
                    r.tokensPerSecond(), r.msPerToken()));
        }
        Files.writeString(out.resolve("bench-rpc.md"), md);
        System.out.print(md);
    }
}
