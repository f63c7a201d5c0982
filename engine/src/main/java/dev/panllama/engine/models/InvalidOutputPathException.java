package dev.panllama.engine.models;

import dev.panllama.engine.PanllamaException;
import java.nio.file.Path;

/** A path a tool cannot write its result to (a directory, or a parent that cannot be created); checked before any work. */
public final class InvalidOutputPathException extends PanllamaException {
    private final Path path;

    public InvalidOutputPathException(Path path, String detail) {
        super(path + ": " + detail);
        this.path = path;
    }

    public InvalidOutputPathException(Path path, String detail, Throwable cause) {
        super(path + ": " + detail, cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
