package dev.panllama.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * llama.cpp's own benchmark tools, built from the same pinned source as panllama's natives by
 * {@code build-natives.sh --tools}, run as child processes and read through their machine-readable output.
 */
public final class ReferenceTools {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceTools.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TOOLS = List.of("llama-bench", "llama-batched-bench");
    private static final long TOOL_TIMEOUT_MINUTES = 20;
    private static final int BATCHED_ATTEMPTS = 3;

    private final Path binDir;
    private final Path logFile;

    private ReferenceTools(Path binDir, Path logFile) {
        this.binDir = binDir;
        this.logFile = logFile;
    }

    /**
     * Builds the tools if the cache lacks them (a warm cache answers at once) and returns them.
     *
     * @param logFile where the tools' diagnostic output is appended
     */
    public static ReferenceTools ensureBuilt(RepoLayout repo, Path logFile) throws IOException, InterruptedException {
        return new ReferenceTools(build(repo, TOOLS), logFile);
    }

    /** One of llama.cpp's tools (llama-server, say), built into the cache if it is not there yet. */
    public static Path ensureTool(RepoLayout repo, String tool) throws IOException, InterruptedException {
        return build(repo, List.of(tool)).resolve(tool);
    }

    private static Path build(RepoLayout repo, List<String> tools) throws IOException, InterruptedException {
        List<String> command = List.of("bash", repo.buildScript().toString(), "--tools", String.join(",", tools), "--print-dir");
        LOG.info("ensuring llama.cpp's reference tools: {}", String.join(" ", command));
        Process process = new ProcessBuilder(command).directory(repo.root().toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.waitFor() != 0 || out.isEmpty()) {
            throw new IllegalStateException("building llama.cpp's tools failed: " + String.join(" ", command));
        }
        Path variantDir = Path.of(out.lines().reduce((a, b) -> b).orElseThrow().strip());
        Path bin = variantDir.resolve("bin");
        for (String tool : tools) {
            if (!Files.isExecutable(bin.resolve(tool))) {
                throw new IllegalStateException(tool + " is missing from " + bin + " after " + String.join(" ", command));
            }
        }
        return bin;
    }

    public Path binDir() {
        return binDir;
    }

    /**
     * llama-bench's text generation rate in tokens/s, the median of its {@code samples} runs:
     * {@code -p 0 -n tokens -t threads -r samples -o json}.
     */
    public double benchDecode(Path model, int tokens, int threads, int samples, boolean gpu)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binDir.resolve("llama-bench").toString(), "-m", model.toString(),
                "-p", "0", "-n", Integer.toString(tokens), "-t", Integer.toString(threads), "-r", Integer.toString(samples),
                "-o", "json"));
        command.addAll(offload(gpu));
        JsonNode results = JSON.readTree(run(command));
        for (JsonNode result : results) {
            if (result.path("n_prompt").asInt() == 0 && result.path("n_gen").asInt() == tokens) {
                List<Double> rates = new ArrayList<>();
                result.path("samples_ts").forEach(rate -> rates.add(rate.asDouble()));
                return rates.isEmpty() ? result.path("avg_ts").asDouble() : Comparison.median(rates);
            }
        }
        throw new IllegalStateException("llama-bench printed no tg" + tokens + " result: " + results);
    }

    /**
     * llama-batched-bench's aggregate generation rate (S_TG, tokens/s) for every stream count of the workload, with a
     * KV cache of {@link Workload#contextTokens()} cells and {@link Workload#batchTokens()} per batch, as panllama's
     * engine is configured: a stream per sequence (its default), or one unified buffer ({@code -kvu}).
     */
    public Map<Integer, Double> batchedDecode(Path model, Workload w, int threads, boolean gpu, boolean unifiedKv)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binDir.resolve("llama-batched-bench").toString(), "-m", model.toString(),
                "-c", Integer.toString(w.contextTokens()), "-b", Integer.toString(w.batchTokens()),
                "-ub", Integer.toString(w.microBatchTokens()),
                "-npp", Integer.toString(w.promptTokens()), "-ntg", Integer.toString(w.generatedTokens()), "-npl", w.concurrencyList(),
                "-t", Integer.toString(threads), "--output-format", "jsonl"));
        if (unifiedKv) {
            command.add("-kvu");
        }
        command.addAll(offload(gpu));
        Map<Integer, Double> rates = new HashMap<>();
        // its lines go through llama.cpp's asynchronous logger, which now and then loses the last ones at exit: rerun
        for (int attempt = 1; attempt <= BATCHED_ATTEMPTS && !rates.keySet().containsAll(w.concurrency()); attempt++) {
            rates.clear();
            for (String line : run(command).lines().toList()) {
                if (line.startsWith("{") && line.contains("\"speed_tg\"")) {
                    JsonNode row = JSON.readTree(line);
                    rates.put(row.path("pl").asInt(), row.path("speed_tg").asDouble());
                }
            }
        }
        if (!rates.keySet().containsAll(w.concurrency())) {
            throw new IllegalStateException("llama-batched-bench reported streams " + rates.keySet() + ", expected "
                    + w.concurrency() + " in " + BATCHED_ATTEMPTS + " runs (see " + logFile + ")");
        }
        return rates;
    }

    /** Every layer on the GPU and flash attention on, as panllama's engine is configured for a GPU run. */
    private static List<String> offload(boolean gpu) {
        return gpu ? List.of("-ngl", "99", "-fa", "on") : List.of();
    }

    private String run(List<String> command) throws IOException, InterruptedException {
        return run(command, logFile);
    }

    /**
     * Runs a child process (a tool, or the compiler and the loop of {@link NativeDecodeLoop}), its stderr appended to
     * {@code logFile}, and returns its stdout; a failure names the log.
     */
    static String run(List<String> command, Path logFile) throws IOException, InterruptedException {
        LOG.debug("running {}", command);
        Files.writeString(logFile, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process process = new ProcessBuilder(new ArrayList<>(command))
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        process.getOutputStream().close();
        // stdout is read on a thread of its own: read here, it would block until the child exits and the timeout never come
        FutureTask<byte[]> out = new FutureTask<>(process.getInputStream()::readAllBytes);
        Thread.ofVirtual().name("stdout of " + command.getFirst()).start(out);
        if (!process.waitFor(TOOL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(command.getFirst() + " did not finish in " + TOOL_TIMEOUT_MINUTES + " minutes");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                    + " (see " + logFile + ")");
        }
        try {
            return new String(out.get(), StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("reading " + command.getFirst(), e.getCause());
        }
    }
}
