package dev.panllama.cli.serve;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A streamed {@code text_completion} chunk carrying one choice's text, without logprobs: what nearly every streamed
 * token is. A record rather than maps, so each token costs two small objects and a cached serializer.
 */
@JsonPropertyOrder({"id", "object", "created", "model", "choices"})
record CompletionTextChunk(String id, long created, String model, List<Choice> choices) {
    @JsonProperty("object")
    String object() {
        return "text_completion";
    }

    /** One choice's text; its logprobs are null. */
    @JsonPropertyOrder({"index", "text", "logprobs", "finish_reason", "stop_reason"})
    record Choice(int index, String text, Object logprobs, @JsonProperty("finish_reason") String finishReason,
                  @JsonProperty("stop_reason") Object stopReason) {
    }

    static CompletionTextChunk of(String id, long created, String model, Choice choice) {
        return new CompletionTextChunk(id, created, model, List.of(choice));
    }
}
