package dev.panllama.engine;

/** A valid GGUF file that this build cannot use for the asked purpose (unknown architecture, vocab-only, ...). */
public final class UnsupportedModelException extends PanllamaException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
