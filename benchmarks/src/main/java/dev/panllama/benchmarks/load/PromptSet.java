package dev.panllama.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.nativeapi.Vocab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The prompts a load run draws from, each either a text or token ids (both OpenAI-compatible servers accept a
 * token-id array as {@code prompt}, so random prompts reach them as the very same tokens).
 *
 * @param name    what the report calls the prompts
 * @param prompts Strings or int arrays, used in turn
 */
public record PromptSet(String name, List<Object> prompts) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Object> STORY_OPENERS = List.of("Once upon a time", "The little dog",
            "One day, a girl named Lily", "Tom and his mom went to the park", "There was a big red ball");

    public PromptSet {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts in " + name);
        }
        prompts = List.copyOf(prompts);
    }

    /** Five short story openings: a few tokens each, so the run measures generation. */
    public static PromptSet storyOpeners() {
        return new PromptSet("builtin story openers", STORY_OPENERS);
    }

    /**
     * A file of prompts: one per line, either plain text or a JSON object with a {@code prompt} field (JSONL); blank
     * lines are skipped.
     */
    public static PromptSet fromFile(Path file) throws IOException {
        List<Object> prompts = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String text = line.strip();
            if (text.startsWith("{")) {
                JsonNode prompt = JSON.readTree(text).path("prompt");
                if (!prompt.isTextual()) {
                    throw new IllegalArgumentException(file + ": a JSON line needs a string 'prompt': " + text);
                }
                prompts.add(prompt.textValue());
            } else if (!text.isEmpty()) {
                prompts.add(line);
            }
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no prompts (one per line, text or {\"prompt\": ...})");
        }
        return new PromptSet(file.getFileName().toString(), prompts);
    }

    /**
     * {@code count} prompts of exactly {@code length} random tokens of the model's vocabulary, seeded; only tokens that
     * print as text (no control tokens), so no prompt holds an end-of-sequence or a template marker.
     */
    public static PromptSet randomTokens(Path tokenizerModel, int length, int count, long seed) {
        if (length < 1) {
            throw new IllegalArgumentException("--prompt-tokens must be >= 1, got " + length);
        }
        int[] pool;
        try (Model model = Model.load(tokenizerModel, ModelParams.defaults().withVocabOnly(true))) {
            Vocab vocab = model.vocab();
            pool = IntStream.range(0, vocab.tokenCount())
                    .filter(t -> !vocab.isEndOfGeneration(t) && vocab.tokenToPiece(t, false).length > 0).toArray();
        }
        if (pool.length == 0) {
            throw new IllegalArgumentException(tokenizerModel + " has no printable tokens to make prompts of");
        }
        Random random = new Random(seed);
        List<Object> prompts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            prompts.add(random.ints(length, 0, pool.length).map(j -> pool[j]).toArray());
        }
        return new PromptSet(count + " × " + length + " random tokens of " + tokenizerModel.getFileName(), prompts);
    }

    Object get(int index) {
        return prompts.get(index % prompts.size());
    }
}
