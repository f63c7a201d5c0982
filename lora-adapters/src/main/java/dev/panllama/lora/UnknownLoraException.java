package dev.panllama.lora;

import dev.panllama.engine.InvalidRequestException;
import java.io.Serial;

/** A control call named an adapter id that is not registered (vLLM: "Pinning failed. LoRA X is not registered."). */
public final class UnknownLoraException extends InvalidRequestException {
    @Serial
    private static final long serialVersionUID = 1L;

    public UnknownLoraException(String action, int id) {
        super("lora_int_id", id, action + " failed: LoRA " + id + " is not registered (add it with addLora first)");
    }
}
