package dev.panllama.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.PoolingParams;
import dev.panllama.engine.PoolingRequestStream;
import dev.panllama.engine.Prompt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code panllama embed}: one JSON line {@code {"embedding":[...]}} per input line, in input order. Lines are
 * submitted ahead of the one being printed so the engine batches them.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed each line of the input (stdin by default) with an embedding model; one JSON line each.")
final class EmbedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Option(names = {"-i", "--input"}, description = "Read lines from this file instead of stdin.")
    Path input;

    @Option(names = "--no-normalize", description = "Print the raw pooled vector instead of the L2-normalized one.")
    boolean noNormalize;

    @Option(names = "--truncate", description = "Keep at most this many tokens per line (-1 = the model's maximum).")
    Integer truncate;

    @Override
    public Integer call() throws IOException {
        PoolingParams params = PoolingParams.defaults().withNormalize(!noNormalize).withTruncatePromptTokens(truncate);
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(engine.toEngineArgs(null));
             BufferedReader lines = input != null ? Files.newBufferedReader(input, StandardCharsets.UTF_8)
                     : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            int window = Math.max(1, engine.maxNumSeqs * 4);
            Deque<PoolingRequestStream> inFlight = new ArrayDeque<>();
            long number = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                number++;
                inFlight.add(submit(llm, line, params, number));
                if (inFlight.size() >= window) {
                    print(json, out, inFlight.poll());
                }
            }
            while (!inFlight.isEmpty()) {
                print(json, out, inFlight.poll());
            }
        }
        return 0;
    }

    private static PoolingRequestStream submit(AsyncLLM llm, String line, PoolingParams params, long number) {
        try {
            return llm.encode(Prompt.text(line), params, "line-" + number);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(e.field(), e.value(), "line " + number + ": " + e.getMessage());
        }
    }

    private static void print(ObjectMapper json, PrintWriter out, PoolingRequestStream stream) throws IOException {
        out.println(json.writeValueAsString(Map.of("embedding", stream.get().embedding())));
        out.flush();
    }
}
