package dev.panllama.cli.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A streamed {@code chat.completion.chunk} carrying one choice's content, without logprobs: what nearly every
 * streamed token of a chat is. Records rather than maps, so each token costs a few small objects and cached
 * serializers. A finished choice adds {@code stop_reason} (null included); a running one has none.
 */
@JsonPropertyOrder({"id", "object", "created", "model", "choices"})
record ChatTextChunk(String id, long created, String model, List<Object> choices) {
    @JsonProperty("object")
    String object() {
        return "chat.completion.chunk";
    }

    /** The delta: {@code {"content": text}}, or {@code {}} when a finishing chunk brings no text. */
    record Delta(@JsonInclude(JsonInclude.Include.NON_NULL) String content) {
    }

    /** A choice still running: its logprobs and finish reason are null. */
    @JsonPropertyOrder({"index", "delta", "logprobs", "finish_reason"})
    record Running(int index, Delta delta, Object logprobs, @JsonProperty("finish_reason") String finishReason) {
        Running(int index, Delta delta) {
            this(index, delta, null, null);
        }
    }

    /** A choice's last chunk; its logprobs are null. */
    @JsonPropertyOrder({"index", "delta", "logprobs", "finish_reason", "stop_reason"})
    record Finished(int index, Delta delta, Object logprobs, @JsonProperty("finish_reason") String finishReason,
                    @JsonProperty("stop_reason") Object stopReason) {
    }

    static ChatTextChunk of(String id, long created, String model, Object choice) {
        return new ChatTextChunk(id, created, model, List.of(choice));
    }
}
