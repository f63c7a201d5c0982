package dev.panllama.cli;

import dev.panllama.benchmarks.PrefixCacheBench;
import dev.panllama.benchmarks.ReferenceTools;
import dev.panllama.benchmarks.RepoLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code panllama bench prefix}: time to first token on a shared-prefix burst, cache on vs off vs llama-server. */
@Command(name = "prefix", mixinStandardHelpOptions = true,
        description = "Requests sharing a long prompt prefix, sent at once: TTFT through panllama with prefix caching on"
                + " and off and through llama-server (same build, model, slots, KV size, threads), interleaved;"
                + " writes prefix.json and prefix.md.")
final class BenchPrefixCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BenchCommand.ModelChoice choice = new BenchCommand.ModelChoice();

    @Option(names = "--requests", defaultValue = "32", description = "Requests per burst (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--prefix-tokens", defaultValue = "400", description = "Shared prefix length (default: ${DEFAULT-VALUE}).")
    int prefixTokens;

    @Option(names = "--suffix-tokens", defaultValue = "16", description = "Unique suffix length (default: ${DEFAULT-VALUE}).")
    int suffixTokens;

    @Option(names = "--max-tokens", defaultValue = "16", description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--slots", defaultValue = "8", description = "Sequences decoded together on both sides (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--kv-tokens", defaultValue = "8192", description = "KV cache cells on both sides (default: ${DEFAULT-VALUE}).")
    int kvTokens;

    @Option(names = {"-o", "--output-dir"}, description = "Report directory (default: benchmarks/results/<date-time>-prefix).")
    Path outputDir;

    @Override
    public Integer call() throws Exception {
        RepoLayout repo = RepoLayout.locate();
        Path server = ReferenceTools.ensureTool(repo, "llama-server");
        // llama-server's threads spin like ours: half the cores each would measure contention, so the same count both
        int threads = choice.threads > 0 ? choice.threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        var config = new PrefixCacheBench.Config(choice.resolve(), requests, prefixTokens, suffixTokens, maxTokens, slots,
                kvTokens, threads, choice.repetitions);
        Path dir = outputDir != null ? outputDir : repo.datedResultsDir("prefix");
        PrefixCacheBench.Report report = PrefixCacheBench.run(config, server);
        PrefixCacheBench.write(report, dir);
        spec.commandLine().getOut().println(Files.readString(dir.resolve("prefix.md")));
        return 0;
    }
}
