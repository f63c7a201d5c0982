package dev.panllama.lora;

import dev.panllama.engine.InvalidRequestException;
import java.io.Serial;
import java.nio.file.Path;

/** An adapter file that cannot be used with this model; {@link #reason()} says why. Found before any native call. */
public final class InvalidLoraAdapterException extends InvalidRequestException {
    @Serial
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** No file at the path. */
        MISSING,
        /** The path leaves the configured allowed directories (directly, through "..", or through a link). */
        OUTSIDE_ALLOWED_DIRS,
        /** Not a readable, complete GGUF file. */
        NOT_GGUF,
        /** A GGUF, but not a LoRA adapter ({@code general.type}, {@code adapter.type}, tensor names). */
        NOT_LORA,
        /** A LoRA for another architecture. */
        ARCHITECTURE_MISMATCH,
        /** A LoRA whose tensors do not fit this model's tensors. */
        SHAPE_MISMATCH
    }

    private final transient Path path;
    private final Reason reason;

    public InvalidLoraAdapterException(Path path, Reason reason, String detail) {
        super("lora_path", path, "LoRA adapter " + path + ": " + detail);
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
