package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.testing.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** panllama's greedy output equals llama.cpp's own simple example, built from the same pinned source. */
class ReferenceGreedyIT {
    private static final String PROMPT = "Once upon a time";
    private static final int TOKENS = 32;

    @Test
    void thirtyTwoGreedyTokensMatchLlamaSimple() throws Exception {
        Path model = TestModels.stories260K();
        String reference = runLlamaSimple(model);

        String rendered;
        int[] prompt;
        try (Model vocabOnly = Model.load(model, ModelParams.defaults().withVocabOnly(true))) {
            // llama-simple tokenizes with special-token parsing and prints every piece, BOS included
            prompt = vocabOnly.vocab().tokenize(PROMPT, true, true);
            StringBuilder pieces = new StringBuilder();
            for (int token : prompt) {
                pieces.append(new String(vocabOnly.vocab().tokenToPiece(token, true), StandardCharsets.UTF_8));
            }
            rendered = pieces.toString();
        }
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(model).build())) {
            SamplingParams greedy = SamplingParams.builder().temperature(0).maxTokens(TOKENS)
                    .outputKind(RequestOutputKind.FINAL_ONLY).build();
            CompletionOutput result = llm.generate(Prompt.tokens(prompt), greedy, "reference").finalOutput().outputs().getFirst();
            assertEquals(TOKENS, result.tokenIds().size(), "stories260K does not stop within 32 tokens of this prompt");
            assertEquals(reference, rendered + result.text());
            assertTrue(result.text().split(" ").length > 10, result.text());
        }
    }

    private static String runLlamaSimple(Path model) throws IOException, InterruptedException {
        Path root = RepoPaths.root();
        Process build = new ProcessBuilder("bash", root.resolve("native-build/build-natives.sh").toString(),
                "--tools", "llama-simple", "--print-dir").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, build.waitFor(), "building llama-simple failed");
        Path tool = Path.of(lines.getLast()).resolve("bin/llama-simple");

        Process simple = new ProcessBuilder(tool.toString(), "-m", model.toString(), "-n", String.valueOf(TOKENS), PROMPT)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(simple.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(simple.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, simple.exitValue(), "llama-simple failed");
        // llama-simple ends its output with one newline of its own
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }
}
