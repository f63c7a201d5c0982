package dev.panllama.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.nativeapi.Vocab;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code panllama tokenize}: token ids of a text, with each token's piece. Loads only the tokenizer. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Show how a model tokenizes text.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "The text.")
    String text;

    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: $PANLLAMA_MODEL, then stories260K).")
    String model;

    @Option(names = "--no-add-special-tokens", description = "Do not add BOS/EOS.")
    boolean noSpecial;

    @Option(names = "--ids-only", description = "Print only the ids, as a JSON array.")
    boolean idsOnly;

    @Override
    public Integer call() throws Exception {
        try (Model loaded = Model.load(dev.panllama.engine.models.ModelResolver.resolve(model),
                ModelParams.defaults().withVocabOnly(true))) {
            Vocab vocab = loaded.vocab();
            int[] ids = vocab.tokenize(text, !noSpecial, true);
            ObjectMapper json = new ObjectMapper();
            if (idsOnly) {
                spec.commandLine().getOut().println(json.writeValueAsString(ids));
                return 0;
            }
            List<Map<String, Object>> tokens = new ArrayList<>();
            for (int id : ids) {
                Map<String, Object> token = new LinkedHashMap<>();
                token.put("id", id);
                token.put("piece", new String(vocab.tokenToPiece(id, true), StandardCharsets.UTF_8));
                tokens.add(token);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("count", ids.length);
            result.put("tokens", tokens);
            spec.commandLine().getOut().println(json.writeValueAsString(result));
        }
        return 0;
    }
}
