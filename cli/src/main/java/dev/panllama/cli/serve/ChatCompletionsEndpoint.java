package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.engine.ChatMessage;
import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.Tokenizer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/chat/completions}: the conversation goes through the model's chat template; streaming sends
 * the assistant role first, then content deltas, then each choice's finish reason. Text only: tool calls and
 * structured response formats are refused with a 400 rather than ignored.
 */
final class ChatCompletionsEndpoint implements ApiEndpoints {
    static final int MAX_TOP_LOGPROBS = 20;

    private final ServedModel model;

    ChatCompletionsEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/v1/chat/completions", this::chat);
    }

    private void chat(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        String modelName = model.resolve(body.string("model"));
        List<ChatMessage> messages = ChatMessagesJson.parse(body);
        refuseUnsupported(body);
        boolean stream = body.bool("stream", false);
        boolean includeUsage = OpenAiSampling.includeUsage(body, stream);
        Integer maxTokens = body.has("max_completion_tokens") ? body.integer("max_completion_tokens") : body.integer("max_tokens");
        int topLogprobs = topLogprobs(body);
        SamplingParams params = OpenAiSampling.common(body)
                .maxTokens(maxTokens) // null: as many as fit in max_model_len
                .logprobs(body.bool("logprobs", false) ? topLogprobs : null)
                .outputKind(stream ? RequestOutputKind.DELTA : RequestOutputKind.FINAL_ONLY)
                .build();
        Prompt prompt = new Prompt.Chat(messages, body.bool("add_generation_prompt", true));
        Response response = new Response(GenerationRun.newId("chatcmpl-"), Instant.now().getEpochSecond(), modelName,
                topLogprobs, model.llm().getTokenizer());
        try (GenerationRun run = GenerationRun.start(model.llm(), List.of(prompt), params, response.id,
                OpenAiSampling.options(body, false).withLoraRequest(model.loraFor(modelName)))) {
            exchange.onClientGone(run::close);
            if (stream) {
                ServerSentEvents events = exchange.startEventStream();
                for (int i = 0; i < params.n(); i++) {
                    Map<String, Object> delta = new LinkedHashMap<>();
                    delta.put("role", "assistant");
                    delta.put("content", "");
                    events.send(response.chunk(i, delta, null, null));
                }
                run.streamTo(events, response::contentChunk, includeUsage ? response.envelope("chat.completion.chunk") : null);
            } else {
                run.respond(exchange, response.envelope("chat.completion"),
                        (index, request, completion) -> response.choice(index, completion));
            }
        }
    }

    private static int topLogprobs(JsonBody body) {
        Integer top = body.integer("top_logprobs");
        if (top == null) {
            return 0;
        }
        if (!body.bool("logprobs", false)) {
            throw ApiError.badRequest("'top_logprobs' needs 'logprobs' set to true.", "top_logprobs");
        }
        if (top < 0 || top > MAX_TOP_LOGPROBS) {
            throw ApiError.badRequest("'top_logprobs' must be in [0, " + MAX_TOP_LOGPROBS + "], got " + top + ".", "top_logprobs");
        }
        return top;
    }

    private static void refuseUnsupported(JsonBody body) {
        JsonNode tools = body.node("tools");
        if (tools != null && (!tools.isArray() || !tools.isEmpty())) {
            throw ApiError.badRequest("Tool calling is not supported by this server.", "tools");
        }
        JsonBody format = body.object("response_format");
        if (format != null && !"text".equals(format.string("type"))) {
            throw ApiError.badRequest("Only response_format {\"type\": \"text\"} is supported.", "response_format");
        }
    }

    /** The response's shared fields. */
    private record Response(String id, long created, String modelName, int topLogprobs, Tokenizer tokenizer) {
        Map<String, Object> envelope(String object) {
            return GenerationRun.envelope(id, object, created, modelName);
        }

        Map<String, Object> choice(int index, CompletionOutput completion) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", completion.text());
            message.put("refusal", null);
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", index);
            choice.put("message", message);
            choice.put("logprobs", logprobs(completion));
            choice.put("finish_reason", GenerationRun.finishReason(completion));
            choice.put("stop_reason", completion.stopReason());
            return choice;
        }

        Object contentChunk(GenerationRun.Item item, CompletionOutput delta, int index) {
            boolean noLogprobs = delta.logprobs() == null || delta.logprobs().isEmpty();
            if (delta.text().isEmpty() && delta.finishReason() == null && noLogprobs) {
                return null;
            }
            if (delta.logprobs() == null) {
                ChatTextChunk.Delta content = new ChatTextChunk.Delta(delta.text().isEmpty() ? null : delta.text());
                return ChatTextChunk.of(id, created, modelName, delta.finishReason() == null
                        ? new ChatTextChunk.Running(index, content)
                        : new ChatTextChunk.Finished(index, content, null, GenerationRun.finishReason(delta), delta.stopReason()));
            }
            Map<String, Object> content = new LinkedHashMap<>();
            if (!delta.text().isEmpty()) {
                content.put("content", delta.text());
            }
            return chunk(index, content, noLogprobs ? null : logprobs(delta), delta);
        }

        Map<String, Object> chunk(int index, Map<String, Object> delta, Map<String, Object> logprobs, CompletionOutput completion) {
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", index);
            choice.put("delta", delta);
            choice.put("logprobs", logprobs);
            choice.put("finish_reason", completion == null ? null : GenerationRun.finishReason(completion));
            if (completion != null && completion.finishReason() != null) {
                choice.put("stop_reason", completion.stopReason());
            }
            Map<String, Object> json = envelope("chat.completion.chunk");
            json.put("choices", List.of(choice));
            return json;
        }

        private Map<String, Object> logprobs(CompletionOutput completion) {
            return completion.logprobs() == null ? null : LogprobsJson.chat(completion, topLogprobs, tokenizer);
        }
    }
}
