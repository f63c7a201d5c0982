package dev.panllama.cli.serve;

import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.Tokenizer;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/completions}: OpenAI's legacy completions, streaming or not, with a batch of prompts (text or
 * token ids), n, stop, logprobs, echo and usage; vLLM's extra sampling fields are accepted by their names.
 */
final class CompletionsEndpoint implements ApiEndpoints {
    private final ServedModel model;

    CompletionsEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/v1/completions", this::complete);
    }

    private void complete(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        String modelName = model.resolve(body.string("model"));
        List<Prompt> prompts = PromptInputs.parse(body, "prompt");
        if (body.has("suffix")) {
            throw ApiError.badRequest("'suffix' is not supported.", "suffix");
        }
        boolean stream = body.bool("stream", false);
        boolean includeUsage = OpenAiSampling.includeUsage(body, stream);
        boolean echo = body.bool("echo", false);
        Integer logprobs = body.integer("logprobs");
        if (echo && logprobs != null) {
            throw ApiError.badRequest("'echo' together with 'logprobs' is not supported.", "echo");
        }
        Integer maxTokens = body.integer("max_tokens");
        SamplingParams params = OpenAiSampling.common(body)
                .maxTokens(maxTokens != null ? maxTokens : SamplingParams.DEFAULT_MAX_TOKENS)
                .logprobs(logprobs)
                .outputKind(stream ? RequestOutputKind.DELTA : RequestOutputKind.FINAL_ONLY)
                .build();
        Response response = new Response(GenerationRun.newId("cmpl-"), Instant.now().getEpochSecond(), modelName,
                echo, model.llm().getTokenizer());
        try (GenerationRun run = GenerationRun.start(model.llm(), prompts, params, response.id,
                OpenAiSampling.options(body, true).withLoraRequest(model.loraFor(modelName)))) {
            exchange.onClientGone(run::close);
            if (stream) {
                run.streamTo(exchange.startEventStream(), response::chunk, includeUsage ? response.envelope() : null);
            } else {
                run.respond(exchange, response.envelope(), response::choice);
            }
        }
    }

    /** The response's shared fields and per-choice state (echo, running text offsets for logprobs). */
    private static final class Response {
        final String id;
        final long created;
        final String modelName;
        final boolean echo;
        final Tokenizer tokenizer;
        final Set<Integer> echoed = new HashSet<>();
        final Map<Integer, Integer> offsets = new HashMap<>();

        Response(String id, long created, String modelName, boolean echo, Tokenizer tokenizer) {
            this.id = id;
            this.created = created;
            this.modelName = modelName;
            this.echo = echo;
            this.tokenizer = tokenizer;
        }

        Map<String, Object> envelope() {
            return GenerationRun.envelope(id, "text_completion", created, modelName);
        }

        Map<String, Object> choice(int index, RequestOutput request, CompletionOutput completion) {
            String text = completion.text();
            if (echo && echoed.add(index)) {
                text = promptText(request) + text;
            }
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", index);
            choice.put("text", text);
            if (completion.logprobs() != null) {
                LogprobsJson.CompletionLogprobs logprobs = LogprobsJson.completion(completion, offsets.getOrDefault(index, 0), tokenizer);
                offsets.put(index, logprobs.endOffset());
                choice.put("logprobs", logprobs.json());
            } else {
                choice.put("logprobs", null);
            }
            choice.put("finish_reason", GenerationRun.finishReason(completion));
            choice.put("stop_reason", completion.stopReason());
            return choice;
        }

        Object chunk(GenerationRun.Item item, CompletionOutput delta, int index) {
            boolean pendingEcho = echo && !echoed.contains(index);
            if (delta.text().isEmpty() && delta.finishReason() == null && !pendingEcho
                    && (delta.logprobs() == null || delta.logprobs().isEmpty())) {
                return null;
            }
            if (!pendingEcho && delta.logprobs() == null) {
                return CompletionTextChunk.of(id, created, modelName, new CompletionTextChunk.Choice(index, delta.text(), null,
                        GenerationRun.finishReason(delta), delta.stopReason()));
            }
            Map<String, Object> json = envelope();
            json.put("choices", List.of(choice(index, item.output(), delta)));
            return json;
        }

        private String promptText(RequestOutput request) {
            return request.prompt() != null ? request.prompt() : tokenizer.decode(request.promptTokenIds(), false);
        }
    }
}
