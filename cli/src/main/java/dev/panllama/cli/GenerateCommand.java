package dev.panllama.cli;

import dev.panllama.engine.DirectGenerator;
import dev.panllama.engine.models.ModelResolver;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.nativeapi.SamplerChain;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code panllama generate}: streams a continuation of a prompt. Sampling defaults are llama.cpp's. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt, streaming the text to stdout (default model: stories260K).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = "Once upon a time", description = "Prompt text (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: $PANLLAMA_MODEL, then stories260K).")
    String model;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE}).")
    float repetitionPenalty;

    @Option(names = "--seed", description = "Sampling seed (default: random).")
    Long seed;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens.")
    boolean ignoreEos;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "CPU threads (default: all cores).")
    int threads;

    @Option(names = {"-ngl", "--n-gpu-layers"}, defaultValue = "-1", description = "Layers on the GPU; -1 = all (default).")
    int gpuLayers;

    @Option(names = "--no-echo", description = "Do not print the prompt before the continuation.")
    boolean noEcho;

    @Option(names = "--stats", description = "Print token counts and speed to stderr.")
    boolean stats;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ProgressBar bar = new ProgressBar("loading");
             Model loaded = Model.load(ModelResolver.resolve(model),
                     ModelParams.defaults().withGpuLayers(gpuLayers).withProgress(f -> bar.update(f, null)))) {
            bar.close();
            int[] tokens = loaded.vocab().tokenize(prompt, true, false);
            int needed = tokens.length + maxTokens;
            ContextParams params = ContextParams.defaults().withContextLength(needed).withThreads(threads);
            try (Context context = Context.create(loaded, params);
                 SamplerChain sampler = SamplerChain.builder()
                         .temperature(temperature).topK(topK).topP(topP).minP(minP)
                         .penalties(loaded.vocab(), 64, repetitionPenalty, 0f, 0f)
                         .seed(seed != null ? seed : ThreadLocalRandom.current().nextInt())
                         .build()) {
                if (!noEcho) {
                    out.print(prompt);
                    out.flush();
                }
                DirectGenerator.Result result = new DirectGenerator(context).generate(tokens, maxTokens, sampler, ignoreEos,
                        text -> {
                            out.print(text);
                            out.flush();
                        });
                out.println();
                out.flush();
                if (stats) {
                    spec.commandLine().getErr().printf("prompt %d tokens, generated %d tokens (%s), %.1f tok/s%n",
                            tokens.length, result.tokens().length, result.finishReason().name().toLowerCase(),
                            result.tokensPerSecond());
                }
            }
        }
        return 0;
    }
}
