package dev.panllama.cli.serve;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.LoraRequest;
import java.time.Instant;
import java.util.List;

/** The engine behind the server, the names clients reach it by, and the LoRA adapters served as further names. */
public record ServedModel(AsyncLLM llm, List<String> names, long createdEpochSeconds, LoraAdapters loras) {
    public ServedModel {
        names = List.copyOf(names);
    }

    public static ServedModel of(AsyncLLM llm, List<String> names) {
        return new ServedModel(llm, names, Instant.now().getEpochSecond(), new LoraAdapters());
    }

    /** The name responses report. */
    public String primaryName() {
        return names.getFirst();
    }

    /**
     * Checks a request's {@code model}: absent means the served model; a base name or a loaded adapter's name is
     * served; anything else is a 404 as in OpenAI's API.
     */
    public String resolve(String requested) {
        if (requested == null) {
            return primaryName();
        }
        if (!names.contains(requested) && !loras.contains(requested)) {
            throw ApiError.modelNotFound(requested);
        }
        return requested;
    }

    /** The adapter a resolved model name runs with; null for the base model; 404 when it was unloaded meanwhile. */
    public LoraRequest loraFor(String resolvedName) {
        if (names.contains(resolvedName)) {
            return null;
        }
        LoraRequest adapter = loras.find(resolvedName);
        if (adapter == null) {
            throw ApiError.modelNotFound(resolvedName);
        }
        return adapter;
    }
}
