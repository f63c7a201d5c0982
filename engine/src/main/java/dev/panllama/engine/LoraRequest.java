package dev.panllama.engine;

import java.nio.file.Path;

/**
 * A LoRA adapter a request runs with, after vLLM's {@code LoRARequest}. The id names the adapter in the engine's
 * registry ({@code addLora}, {@code pinLora}, {@code removeLora}); requests naming an id that is not registered
 * load it from {@code path}.
 *
 * @param name  a label for logs and metrics
 * @param id    the adapter's id, at least 1, unique per adapter
 * @param path  the GGUF LoRA file
 * @param scale how strongly it applies (llama.cpp multiplies it by alpha/rank when the file has an alpha)
 */
public record LoraRequest(String name, int id, Path path, float scale) {

    public LoraRequest {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("lora_name", name, "lora_name must be a non-empty string");
        }
        if (id < 1) {
            throw new InvalidRequestException("lora_int_id", id, "lora_int_id must be >= 1, got " + id);
        }
        if (path == null || path.toString().isEmpty()) {
            throw new InvalidRequestException("lora_path", path, "lora_path must name a GGUF LoRA file");
        }
        if (!Float.isFinite(scale)) {
            throw new InvalidRequestException("lora_scale", scale, "lora scale must be finite, got " + scale);
        }
    }

    /** An adapter applied at its trained strength (scale 1). */
    public LoraRequest(String name, int id, Path path) {
        this(name, id, path, 1f);
    }
}
