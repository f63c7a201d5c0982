package dev.panllama.cli.serve;

import dev.panllama.engine.AsyncLLM;
import java.time.Instant;
import java.util.List;

/** The engine behind the server and the names clients reach it by. */
public record ServedModel(AsyncLLM llm, List<String> names, long createdEpochSeconds) {
    public ServedModel {
        names = List.copyOf(names);
    }

    public static ServedModel of(AsyncLLM llm, List<String> names) {
        return new ServedModel(llm, names, Instant.now().getEpochSecond());
    }

    /** The name responses report. */
    public String primaryName() {
        return names.getFirst();
    }

    /** Checks a request's {@code model}: absent means the served model; an unknown name is a 404 as in OpenAI's API. */
    public String resolve(String requested) {
        if (requested == null) {
            return primaryName();
        }
        if (!names.contains(requested)) {
            throw ApiError.modelNotFound(requested);
        }
        return requested;
    }
}
