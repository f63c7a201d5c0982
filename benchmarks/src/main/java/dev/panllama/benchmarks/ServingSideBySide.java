package dev.panllama.benchmarks;

import dev.panllama.benchmarks.load.LoadReport;
import dev.panllama.benchmarks.load.LoadSpec;
import dev.panllama.benchmarks.load.PromptSet;
import dev.panllama.benchmarks.load.ServerProcess;
import dev.panllama.benchmarks.load.ServerSetup;
import dev.panllama.benchmarks.load.ServingComparison;
import dev.panllama.benchmarks.load.ServingLoadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One load against two servers of the same {@link ServerSetup} (panllama serve and llama-server, say): each started as
 * a child process on loopback, loaded, and stopped before the next starts, so they never compete for the CPU;
 * repetitions alternate the servers so that a drift in the machine's load touches both alike.
 */
public final class ServingSideBySide {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    /**
     * A server to measure.
     *
     * @param command its command line, given the loopback port it must listen on
     */
    public record Target(String label, IntFunction<List<String>> command) {}

    private final ServerSetup setup;
    private final LoadSpec spec;
    private final PromptSet prompts;
    private final Consumer<String> progress;

    public ServingSideBySide(ServerSetup setup, LoadSpec spec, PromptSet prompts, Consumer<String> progress) {
        this.setup = setup;
        this.spec = spec;
        this.prompts = prompts;
        this.progress = progress;
    }

    /** llama.cpp's llama-server of the pinned build, given the same setup. */
    public static Target llamaServer(Path binary, ServerSetup setup) {
        return new Target("llama-server", port -> setup.llamaServerCommand(binary, port));
    }

    /**
     * Runs {@code repetitions} rounds of candidate then baseline and writes {@code report.json}, {@code report.md} and
     * the servers' logs ({@code logs/}) into {@code dir}.
     */
    public ServingComparison run(Target candidate, Target baseline, int repetitions, Path dir, String commandLine)
            throws IOException, InterruptedException {
        if (repetitions < 1) {
            throw new IllegalArgumentException("--repetitions must be >= 1, got " + repetitions);
        }
        Path logs = Files.createDirectories(dir.resolve("logs"));
        List<LoadReport> runs = new ArrayList<>();
        for (int rep = 1; rep <= repetitions; rep++) {
            for (Target target : List.of(candidate, baseline)) {
                runs.add(measure(target, logs.resolve(target.label() + "-" + rep + ".log")));
                LoadReport last = runs.getLast();
                progress.accept(String.format(java.util.Locale.ROOT, "%s run %d/%d: %d completed, %d failed, %.1f output tok/s,"
                                + " TTFT p50 %.2f ms", target.label(), rep, repetitions, last.completed(), last.failed(),
                        last.outputThroughput(), last.ttft().p50Ms()));
            }
        }
        ServingComparison comparison = ServingComparison.of(LocalDate.now().toString(), commandLine,
                HostInfo.summary(RepoLayout.locate()), setup, candidate.label(), baseline.label(), runs);
        comparison.write(dir);
        return comparison;
    }

    private LoadReport measure(Target target, Path log) throws IOException, InterruptedException {
        int port = ServerProcess.freeLoopbackPort();
        progress.accept("starting " + target.label() + " on 127.0.0.1:" + port + " (log: " + log + ")");
        try (ServerProcess server = ServerProcess.start(target.command().apply(port), port, log, START_TIMEOUT)) {
            return new ServingLoadGenerator(server.base(), spec, prompts).run(target.label());
        }
    }
}
