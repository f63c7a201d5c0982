package dev.panllama.engine;

import java.nio.file.Path;

/** A model path that cannot be used as a GGUF file; {@link #reason()} says why. Checked before any native call. */
public final class InvalidModelFileException extends PanllamaException {
    public enum Reason { MISSING, DIRECTORY, NOT_READABLE, NOT_GGUF, TRUNCATED, CORRUPT }

    private final Path path;
    private final Reason reason;

    public InvalidModelFileException(Path path, Reason reason, String detail) {
        super(path + ": " + detail);
        this.path = path;
        this.reason = reason;
    }

    public Path path() {
        return path;
    }

    public Reason reason() {
        return reason;
    }
}
