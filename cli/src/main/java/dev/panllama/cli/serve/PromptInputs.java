package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.engine.Prompt;
import java.util.ArrayList;
import java.util.List;

/** OpenAI's batched prompt field ({@code prompt} of completions, {@code input} of embeddings) as engine prompts. */
final class PromptInputs {
    static final int MAX_PROMPTS = 1024;

    private PromptInputs() {
    }

    /** A string, strings, token ids, or arrays of token ids; at most {@link #MAX_PROMPTS}. */
    static List<Prompt> parse(JsonBody body, String field) {
        JsonNode node = body.node(field);
        if (node == null) {
            throw ApiError.badRequest("'" + field + "' is required.", field);
        }
        if (node.isTextual()) {
            return List.of(Prompt.text(node.textValue()));
        }
        if (!node.isArray() || node.isEmpty() || node.size() > MAX_PROMPTS) {
            throw ApiError.badRequest("'" + field + "' must be a string, a non-empty array of at most " + MAX_PROMPTS
                    + " strings, an array of token ids, or an array of token-id arrays.", field);
        }
        JsonNode first = node.get(0);
        List<Prompt> prompts = new ArrayList<>(node.size());
        if (first.isIntegralNumber()) {
            prompts.add(new Prompt.Tokens(body.integers(node, field)));
            return prompts;
        }
        for (JsonNode item : node) {
            if (item.isTextual() && first.isTextual()) {
                prompts.add(Prompt.text(item.textValue()));
            } else if (item.isArray() && first.isArray()) {
                prompts.add(new Prompt.Tokens(body.integers(item, field)));
            } else {
                throw body.wrongType(field, "a string, an array of strings, token ids or token-id arrays");
            }
        }
        return prompts;
    }
}
