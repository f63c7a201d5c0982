package dev.panllama.cli;

import dev.panllama.benchmarks.BenchModels;
import dev.panllama.benchmarks.ReferenceTools;
import dev.panllama.benchmarks.RepoLayout;
import dev.panllama.benchmarks.ServingSideBySide;
import dev.panllama.benchmarks.load.LoadReport;
import dev.panllama.benchmarks.load.LoadSpec;
import dev.panllama.benchmarks.load.PromptSet;
import dev.panllama.benchmarks.load.ServerSetup;
import dev.panllama.benchmarks.load.ServingComparison;
import dev.panllama.benchmarks.load.ServingLoadGenerator;
import dev.panllama.engine.workers.ChildJvm;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code panllama bench serve}: {@code vllm bench serve}'s load against an OpenAI-compatible server, or the same load
 * against {@code panllama serve} and llama-server side by side, each started here as a child process, one at a time.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Streaming /v1/completions load against an OpenAI-compatible server (--url), or against panllama serve"
                + " and llama-server in turn (--side-by-side: same model, slots, context per slot, threads, loopback);"
                + " reports request and token throughput, TTFT, TPOT, ITL and end-to-end latency (mean, p50, p90, p99)"
                + " in report.json and report.md.",
            "  panllama bench serve --url http://127.0.0.1:8000 --max-concurrency 8 --num-prompts 400",
            "  panllama bench serve --side-by-side --slots 4 --threads 1 --num-prompts 400 --max-tokens 64"})
final class BenchServeCommand implements Callable<Integer> {
    private static final String INFINITE = "inf";

    @Spec
    CommandSpec spec;

    @Option(names = "--url", description = "A running server's base URL (loopback only), e.g. http://127.0.0.1:8000.")
    URI url;

    @Option(names = "--side-by-side", description = "Start panllama serve, then llama-server of the pinned build, and load each.")
    boolean sideBySide;

    @Option(names = {"-m", "--model"}, description = "GGUF path or stories260K / llama-3.2-1b-q4_0: the model the side-by-side"
            + " servers load (default: stories260K); with --url, the tokenizer for --prompt-tokens and the name sent.")
    String model;

    @Option(names = "--served-model-name", description = "The 'model' field of each request (default: the model file's name;"
            + " with --url and no -m, none).")
    String servedModelName;

    @Option(names = {"--max-concurrency", "--concurrency"}, description = "Requests in flight at most; 0 = no cap"
            + " (default: --slots with --side-by-side, else 4).")
    Integer maxConcurrency;

    @Option(names = {"--num-prompts", "--requests"}, defaultValue = "200", description = "Requests measured (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = {"--max-tokens", "--output-len"}, defaultValue = "64",
            description = "Tokens each request generates, end-of-sequence ignored (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--prompt-tokens", description = "Prompts of this many random tokens of the model's vocabulary (needs -m)"
            + " instead of short story openings.")
    Integer promptTokens;

    @Option(names = "--dataset", description = "A file of prompts, one per line (text, or JSONL with a 'prompt' field).")
    Path dataset;

    @Option(names = "--request-rate", defaultValue = INFINITE, description = "Requests started per second, Poisson arrivals;"
            + " inf starts them as fast as --max-concurrency allows: a closed loop (default: ${DEFAULT-VALUE}).")
    String requestRate;

    @Option(names = "--num-warmups", defaultValue = "-1", description = "Unreported requests first (default: 2 × concurrency).")
    int warmups;

    @Option(names = "--seed", defaultValue = "0", description = "Seeds arrivals and random prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--label", defaultValue = "server", description = "The server's name in a --url report (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--slots", defaultValue = "4", description = "Side by side: sequences decoded together (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--ctx-per-slot", defaultValue = "256", description = "Side by side: tokens per request, prompt + output"
            + " (default: ${DEFAULT-VALUE}).")
    int contextPerSlot;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "Side by side: CPU threads of each server (default:"
            + " ${DEFAULT-VALUE}; a tiny model on more threads measures their spin-waiting).")
    int threads;

    @Option(names = "--batch-tokens", defaultValue = "512", description = "Side by side: tokens per decode call (default: ${DEFAULT-VALUE}).")
    int batchTokens;

    @Option(names = "--repetitions", defaultValue = "1", description = "Side by side: rounds of both servers, interleaved;"
            + " medians reported (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--server-jvm-option", description = "Side by side: an option for panllama serve's JVM, repeatable"
            + " (e.g. -XX:StartFlightRecording=filename=serve.jfr).")
    List<String> serverJvmOptions = new ArrayList<>();

    @Option(names = {"-o", "--output-dir"}, description = "Report directory (default: benchmarks/results/<date-time>-serve).")
    Path outputDir;

    @Override
    public Integer call() throws Exception {
        if (sideBySide == (url != null)) {
            throw new ParameterException(spec.commandLine(), "give either --url URL or --side-by-side");
        }
        if (sideBySide && servedModelName != null) {
            throw new ParameterException(spec.commandLine(), "--served-model-name is for --url: side by side, both servers"
                    + " answer to the model file's name");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path modelFile = model != null ? BenchModels.resolveNameOrPath(model)
                : sideBySide ? BenchModels.resolveNameOrPath(BenchModels.STORIES_260K) : null;
        String name = servedModelName != null ? servedModelName
                : modelFile != null ? ServerSetup.servedModelName(modelFile) : null;
        int concurrency = maxConcurrency != null ? maxConcurrency : sideBySide ? slots : 4;
        LoadSpec load = new LoadSpec(requests, concurrency, rate(), maxTokens,
                warmups >= 0 ? warmups : 2 * Math.max(1, concurrency), seed, name);
        PromptSet prompts = prompts(modelFile, load);
        Path dir = outputDir != null ? outputDir : RepoLayout.locate().datedResultsDir("serve");
        String commandLine = "panllama " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        if (!sideBySide) {
            LoadReport report = new ServingLoadGenerator(url, load, prompts).run(label);
            report.write(dir);
            out.println(report.markdown());
            out.println("wrote " + dir.resolve("report.json") + " and " + dir.resolve("report.md"));
            return report.failed() == 0 ? 0 : 3;
        }
        ServerSetup setup = new ServerSetup(modelFile, slots, contextPerSlot, threads, batchTokens);
        Path llamaServer = ReferenceTools.ensureTool(RepoLayout.locate(), "llama-server");
        ServingComparison comparison = new ServingSideBySide(setup, load, prompts, line -> err.println("bench serve: " + line))
                .run(new ServingSideBySide.Target("panllama", port -> panllamaServe(setup, port)),
                        ServingSideBySide.llamaServer(llamaServer, setup), repetitions, dir, commandLine);
        out.println(comparison.markdown());
        out.println("wrote " + dir.resolve("report.json") + " and " + dir.resolve("report.md"));
        return comparison.runs().stream().allMatch(r -> r.failed() == 0) ? 0 : 3;
    }

    private double rate() {
        if (requestRate.strip().toLowerCase(Locale.ROOT).equals(INFINITE)) {
            return Double.POSITIVE_INFINITY;
        }
        try {
            return Double.parseDouble(requestRate);
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--request-rate must be a number or inf, got " + requestRate);
        }
    }

    private PromptSet prompts(Path modelFile, LoadSpec load) throws java.io.IOException {
        if (promptTokens != null && dataset != null) {
            throw new ParameterException(spec.commandLine(), "give --prompt-tokens or --dataset, not both");
        }
        if (dataset != null) {
            return PromptSet.fromFile(dataset);
        }
        if (promptTokens == null) {
            return PromptSet.storyOpeners();
        }
        if (modelFile == null) {
            throw new ParameterException(spec.commandLine(), "--prompt-tokens needs -m MODEL.gguf: random prompts are drawn"
                    + " from its vocabulary");
        }
        return PromptSet.randomTokens(modelFile, promptTokens, load.warmups() + load.requests(), load.seed());
    }

    /** panllama serve in a JVM of its own, so it is measured as llama-server is, from outside its process. */
    private List<String> panllamaServe(ServerSetup setup, int port) {
        List<String> arguments = new ArrayList<>(List.of("serve"));
        arguments.addAll(setup.panllamaServeArguments(port));
        return ChildJvm.command(Main.class.getName(), serverJvmOptions, arguments);
    }
}
