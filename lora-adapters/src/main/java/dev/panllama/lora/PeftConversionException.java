package dev.panllama.lora;

import dev.panllama.engine.PanllamaException;
import java.io.Serial;

/** A PEFT adapter that cannot be converted to a GGUF LoRA; the message names the file, key or tensor to fix. */
public final class PeftConversionException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    public PeftConversionException(String message) {
        super(message);
    }
}
