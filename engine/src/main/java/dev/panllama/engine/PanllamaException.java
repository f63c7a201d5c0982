package dev.panllama.engine;

/** Base of panllama's typed errors: each subclass names what to fix. */
public class PanllamaException extends RuntimeException {
    public PanllamaException(String message) {
        super(message);
    }

    public PanllamaException(String message, Throwable cause) {
        super(message, cause);
    }
}
