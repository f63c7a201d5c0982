package dev.panllama.engine;

import java.io.Serial;

/**
 * A request named a LoRA adapter but the engine was built without LoRA support. A subtype of
 * {@link InvalidRequestException} because, as in vLLM, it is the request that is wrong for this engine
 * (HTTP 400), not the engine that is broken.
 */
public final class LoraNotEnabledException extends InvalidRequestException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** @param loraRequest the adapter request as the caller gave it; its {@code toString()} goes in the message */
    public LoraNotEnabledException(Object loraRequest) {
        super("lora_request", loraRequest, "Got lora_request " + loraRequest + " but LoRA is not enabled!");
    }
}
