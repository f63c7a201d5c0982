package dev.panllama.engine.models;

import dev.panllama.bindings.CacheLocation;
import dev.panllama.bindings.LlamaPin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * llama.cpp's tokenizer-only GGUF files ({@code models/ggml-vocab-<name>.gguf}) in the pinned source tree that
 * {@code native-build/build-natives.sh} checks out into the cache. They hold real tokenizers (tokens, merges,
 * special ids) and no weights: what a synthetic model needs to tokenize like the model it imitates.
 */
public final class VocabFiles {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    private static final String PREFIX = "ggml-vocab-";
    private static final String SUFFIX = ".gguf";

    private VocabFiles() {}

    /** {@code <cache>/src/llama.cpp-<pinned version>/models}. */
    public static Path directory() {
        return CacheLocation.root().resolve("src").resolve("llama.cpp-" + LlamaPin.current().version()).resolve("models");
    }

    /** The tokenizer file for {@code name} (e.g. {@code llama-bpe}); throws {@link VocabNotFoundException} when absent. */
    public static Path find(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UnknownNameException("tokenizer", name, available());
        }
        Path file = directory().resolve(PREFIX + name + SUFFIX);
        if (!Files.isRegularFile(file)) {
            throw new VocabNotFoundException(name, file);
        }
        return file;
    }

    /** Names of the tokenizer files present, sorted; empty when the source tree is missing. */
    public static List<String> available() {
        Path dir = directory();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith(PREFIX) && f.endsWith(SUFFIX))
                    .map(f -> f.substring(PREFIX.length(), f.length() - SUFFIX.length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
