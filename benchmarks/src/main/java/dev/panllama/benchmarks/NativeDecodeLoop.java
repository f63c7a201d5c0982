package dev.panllama.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama-bench's and llama-batched-bench's decode loops written in C ({@code native-decode-loop.c}), compiled with the
 * system C compiler against the natives llama.cpp's tools were linked with, and run as a child process. They make the
 * same calls as the tools with the settings panllama's raw loop and engines use, and time every step: next to the tools
 * they show how much of a gap is this host's noise (the tools and this loop differ too), and next to panllama's step
 * anatomy how llama.cpp's own steps are spread (median, mean, graph rebuilds), which the tools' averages hide.
 */
public final class NativeDecodeLoop {
    static final String SOURCE = "native-decode-loop.c";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path executable;
    private final Path logFile;

    private NativeDecodeLoop(Path executable, Path logFile) {
        this.executable = executable;
        this.logFile = logFile;
    }

    /**
     * Compiles the loop once per source version next to the tools in {@code binDir} (whose directory's
     * {@code include/} holds llama.h), with {@code $CC} or the first of cc, gcc, clang; a compiled one is reused.
     *
     * @param logFile where the compiler's and the loop's diagnostics are appended
     */
    public static NativeDecodeLoop build(Path binDir, Path logFile) throws IOException, InterruptedException {
        byte[] source;
        try (InputStream in = NativeDecodeLoop.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " is missing from the benchmarks jar");
            }
            source = in.readAllBytes();
        }
        Path dir = binDir.resolveSibling("bench");
        Path executable = dir.resolve("native-decode-loop-" + sha256(source).substring(0, 12));
        if (Files.isExecutable(executable)) {
            return new NativeDecodeLoop(executable, logFile);
        }
        Files.createDirectories(dir);
        // the cache directory is shared by every checkout on the host: each build writes files of its own and moves the
        // result into place, so one compiling another source version at the same time cannot mix into it
        String partial = executable.getFileName() + "." + ProcessHandle.current().pid() + ".tmp";
        Path sourceFile = dir.resolve(partial + ".c");
        Files.write(sourceFile, source);
        Path compiled = dir.resolve(partial);
        List<String> command = List.of(compiler(), "-O2", "-std=c11", sourceFile.toString(),
                "-I" + binDir.resolveSibling("include"), "-L" + binDir, "-lllama", "-lggml", "-lggml-base",
                "-Wl,-rpath," + binDir, "-o", compiled.toString());
        try {
            ReferenceTools.run(command, logFile);
            Files.move(sourceFile, dir.resolve(executable.getFileName() + ".c"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.move(compiled, executable, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            // a failed compile leaves nothing of this process's in the shared directory (moved files are gone already)
            Files.deleteIfExists(sourceFile);
            Files.deleteIfExists(compiled);
        }
        return new NativeDecodeLoop(executable, logFile);
    }

    /** llama-bench's tg loop: {@code tokens} single-token decodes, a warm-up run and then {@code runs} timed ones. */
    public NativeLoopSteps singleStream(Path model, int tokens, int threads, boolean gpu, int runs)
            throws IOException, InterruptedException {
        List<NativeLoopSteps> results = parse(ReferenceTools.run(List.of(executable.toString(), "tg", model.toString(),
                Integer.toString(threads), gpu ? "1" : "0", Integer.toString(tokens), Integer.toString(runs)), logFile));
        if (results.size() != 1) {
            throw new IllegalStateException("the native tg loop printed " + results.size() + " results (see " + logFile + ")");
        }
        return results.getFirst();
    }

    /**
     * llama-batched-bench's generation phase for every stream count of the workload, with the KV cache, batch and
     * micro-batch sizes and KV layout {@link ReferenceTools#batchedDecode} gives llama-batched-bench; keyed by stream
     * count.
     */
    public Map<Integer, NativeLoopSteps> batched(Path model, Workload w, int threads, boolean gpu, boolean unifiedKv)
            throws IOException, InterruptedException {
        return batched(model, w, threads, gpu, unifiedKv, false);
    }

    /**
     * As {@link #batched(Path, Workload, int, boolean, boolean)}, with {@code backendSamplers} attaching llama.cpp's
     * greedy sampler to every sequence so that picks are made in the graph, as a panllama GPU engine makes them: the
     * difference tells the host cost of in-graph picks from the rest of a step.
     */
    public Map<Integer, NativeLoopSteps> batched(Path model, Workload w, int threads, boolean gpu, boolean unifiedKv,
                                                 boolean backendSamplers) throws IOException, InterruptedException {
        List<NativeLoopSteps> results = parse(ReferenceTools.run(List.of(executable.toString(), "batched", model.toString(),
                Integer.toString(threads), gpu ? "1" : "0", Integer.toString(w.contextTokens()),
                Integer.toString(w.batchTokens()), Integer.toString(w.microBatchTokens()),
                Integer.toString(w.promptTokens()), Integer.toString(w.generatedTokens()), w.concurrencyList(),
                unifiedKv ? "1" : "0", backendSamplers ? "1" : "0"), logFile));
        Map<Integer, NativeLoopSteps> byStreams = new LinkedHashMap<>();
        results.forEach(r -> byStreams.put(r.streams(), r));
        if (!byStreams.keySet().containsAll(w.concurrency())) {
            throw new IllegalStateException("the native batched loop reported streams " + byStreams.keySet()
                    + ", expected " + w.concurrency() + " (see " + logFile + ")");
        }
        return byStreams;
    }

    private static List<NativeLoopSteps> parse(String out) throws IOException {
        List<NativeLoopSteps> results = new ArrayList<>();
        for (String line : out.lines().toList()) {
            if (line.startsWith("{")) {
                JsonNode row = JSON.readTree(line);
                results.add(new NativeLoopSteps(null, row.path("mode").asText(), row.path("streams").asInt(), row.path("tokens_per_second").asDouble(),
                        row.path("steps").asInt(), row.path("median_step_us").asDouble(), row.path("median_call_us").asDouble(),
                        row.path("mean_step_us").asDouble(),
                        row.path("graph_reuse").asDouble(), row.path("new_graph_step_us").asDouble()));
            }
        }
        return results;
    }

    /** {@code $CC}, else {@code cc} or {@code gcc} from the PATH (some images that build with gcc have no cc link). */
    private static String compiler() {
        String chosen = System.getenv("CC");
        if (chosen != null && !chosen.isBlank()) {
            return chosen;
        }
        for (String name : List.of("cc", "gcc", "clang")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return name;
                }
            }
        }
        throw new IllegalStateException("no C compiler (cc, gcc or clang) on the PATH for " + SOURCE + "; set CC");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
