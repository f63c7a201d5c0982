package dev.panllama.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import java.io.PrintWriter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code panllama generate}: one request through the engine, streaming its text (or JSON outputs) to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt, streaming the text to stdout (default model: stories260K).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = "Once upon a time", description = "Prompt text (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Mixin
    EngineOptions engine;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--json", description = "Print every RequestOutput as one line of snake_case JSON.")
    boolean json;

    @Option(names = "--no-echo", description = "Do not print the prompt before the continuation.")
    boolean noEcho;

    @Option(names = "--stats", description = "Print token counts and speed to stderr.")
    boolean stats;

    @Option(names = "--lora", description = "A GGUF LoRA adapter to generate with.")
    java.nio.file.Path lora;

    @Option(names = "--lora-scale", defaultValue = "1", description = "How strongly the adapter applies (default: ${DEFAULT-VALUE}).")
    float loraScale;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SamplingParams params = sampling.toParams();
        if (!json) {
            // text streams as deltas whatever the kind asked for; JSON shows the kind as requested
            params = params.toBuilder().outputKind(RequestOutputKind.DELTA).build();
        }
        engine.enableLora |= lora != null;
        GenerateOptions options = lora == null ? GenerateOptions.defaults()
                : GenerateOptions.defaults().withLoraRequest(new LoraRequest(lora.getFileName().toString(), 1, lora, loraScale));
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(engine.toEngineArgs(null));
             RequestStream stream = llm.generate(Prompt.text(prompt), params, "generate-0", options)) {
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                while (stream.hasNext()) {
                    out.println(mapper.writeValueAsString(stream.next().toSnakeCaseMap()));
                    out.flush();
                }
                return 0;
            }
            if (!noEcho && params.n() == 1) {
                out.print(prompt);
                out.flush();
            }
            Map<Integer, StringBuilder> texts = new TreeMap<>();
            RequestOutput last = null;
            long start = System.nanoTime();
            int tokens = 0;
            while (stream.hasNext()) {
                last = stream.next();
                for (CompletionOutput c : last.outputs()) {
                    tokens += c.tokenIds().size();
                    if (params.n() == 1) {
                        out.print(c.text());
                        out.flush();
                    } else {
                        texts.computeIfAbsent(c.index(), i -> new StringBuilder()).append(c.text());
                    }
                }
            }
            texts.forEach((index, text) -> out.println("[" + index + "] " + (noEcho ? "" : prompt) + text));
            if (params.n() == 1) {
                out.println();
            }
            out.flush();
            if (stats && last != null) {
                double seconds = (System.nanoTime() - start) / 1e9;
                spec.commandLine().getErr().printf("prompt %d tokens, generated %d tokens in %.2f s (%.1f tok/s)%n",
                        last.promptTokenIds().size(), tokens, seconds, tokens / seconds);
            }
        }
        return 0;
    }
}
