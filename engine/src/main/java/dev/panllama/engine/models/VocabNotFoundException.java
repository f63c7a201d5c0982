package dev.panllama.engine.models;

import dev.panllama.engine.PanllamaException;
import java.nio.file.Path;

/** llama.cpp's tokenizer file for a preset is not in the pinned source tree that build-natives.sh keeps. */
public final class VocabNotFoundException extends PanllamaException {
    private final String vocab;
    private final Path expected;

    public VocabNotFoundException(String vocab, Path expected) {
        super("tokenizer '" + vocab + "' not found: no " + expected + ". Synthetic models take their tokenizer from"
                + " llama.cpp's models/ directory in the pinned source tree; run `native-build/build-natives.sh`"
                + " to fetch it (or point PANLLAMA_CACHE_DIR at a cache that has it).");
        this.vocab = vocab;
        this.expected = expected;
    }

    public String vocab() {
        return vocab;
    }

    public Path expected() {
        return expected;
    }
}
