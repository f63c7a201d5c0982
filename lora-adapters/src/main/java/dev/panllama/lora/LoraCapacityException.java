package dev.panllama.lora;

import dev.panllama.engine.PanllamaException;
import java.io.Serial;

/** The registry has no unpinned slot left: unpin (remove) an adapter or raise max_loras / max_cpu_loras. */
public final class LoraCapacityException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    public LoraCapacityException(String message) {
        super(message);
    }
}
