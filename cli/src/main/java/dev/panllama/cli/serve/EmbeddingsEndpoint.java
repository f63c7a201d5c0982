package dev.panllama.cli.serve;

import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.PoolingParams;
import dev.panllama.engine.PoolingRequestOutput;
import dev.panllama.engine.PoolingRequestStream;
import dev.panllama.engine.PoolingTask;
import dev.panllama.engine.Prompt;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/embeddings}: OpenAI's embeddings over the engine's {@code encode}. {@code input} is a string,
 * strings, token ids or token-id arrays; {@code encoding_format} is {@code float} (JSON numbers) or {@code base64}
 * (little-endian float32, as OpenAI's clients decode it). Every input is submitted before any is awaited, so the
 * engine batches them. A model without the embed task answers 400.
 */
final class EmbeddingsEndpoint implements ApiEndpoints {
    private final ServedModel model;

    EmbeddingsEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/v1/embeddings", this::embed);
    }

    private void embed(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        String modelName = model.resolve(body.string("model"));
        if (!model.llm().getSupportedTasks().contains(PoolingTask.EMBED.wireName())) {
            throw ApiError.badRequest("Embeddings are not supported by model `" + modelName + "`: it supports "
                    + model.llm().getSupportedTasks() + ".", "model");
        }
        List<Prompt> inputs = PromptInputs.parse(body, "input");
        boolean base64 = switch (body.string("encoding_format") == null ? "float" : body.string("encoding_format")) {
            case "float" -> false;
            case "base64" -> true;
            default -> throw ApiError.badRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format");
        };
        PoolingParams params = PoolingParams.defaults().withTask(PoolingTask.EMBED)
                .withTruncatePromptTokens(body.integer("truncate_prompt_tokens"));
        Boolean normalize = body.bool("normalize");
        if (normalize != null) {
            params = params.withNormalize(normalize);
        }
        Integer dimensions = body.integer("dimensions");
        GenerateOptions options = OpenAiSampling.options(body, true).withLoraRequest(model.loraFor(modelName));
        String id = GenerationRun.newId("embd-");
        List<PoolingRequestStream> streams = new ArrayList<>(inputs.size());
        try {
            for (int i = 0; i < inputs.size(); i++) {
                streams.add(model.llm().encode(inputs.get(i), params, id + "-" + i, options));
            }
            List<Map<String, Object>> data = new ArrayList<>(inputs.size());
            int promptTokens = 0;
            for (int i = 0; i < streams.size(); i++) {
                PoolingRequestOutput output = streams.get(i).get();
                float[] vector = output.embedding();
                if (dimensions != null && dimensions != vector.length) {
                    throw ApiError.badRequest("'dimensions' must be " + vector.length + " for this model (it does not "
                            + "shorten embeddings), got " + dimensions + ".", "dimensions");
                }
                promptTokens += output.promptTokenIds().size();
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("object", "embedding");
                item.put("index", i);
                item.put("embedding", base64 ? base64(vector) : vector);
                data.add(item);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", id);
            json.put("object", "list");
            json.put("created", java.time.Instant.now().getEpochSecond());
            json.put("model", modelName);
            json.put("data", data);
            json.put("usage", Map.of("prompt_tokens", promptTokens, "total_tokens", promptTokens));
            exchange.sendJson(200, json);
        } finally {
            streams.forEach(PoolingRequestStream::close);
        }
    }

    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
