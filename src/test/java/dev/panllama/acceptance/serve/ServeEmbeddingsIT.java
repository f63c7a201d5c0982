package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.panllama.cli.serve.ServerConfig;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.PoolingParams;
import dev.panllama.engine.PoolingRequestOutput;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/embeddings} over all-MiniLM-L6-v2 (converted from LangChain4j's ONNX artifact), through the OpenAI
 * Java SDK, LangChain4j's OpenAiEmbeddingModel and plain HTTP, each checked against the engine's own encode().
 */
class ServeEmbeddingsIT {
    static final String MODEL = "minilm";
    static final List<String> TEXTS = List.of("The weather is lovely today.", "Embeddings map text to vectors.",
            "Ünïcödé façade, 42!");
    static ServerUnderTest s;
    static OpenAIClient openai;

    @BeforeAll
    static void start() throws Exception {
        s = ServerUnderTest.start(ServerConfig.loopback(MODEL), EngineArgs.builder()
                .model(EmbeddingTestModels.gguf(Reference.ALL_MINILM_L6_V2)).threads(2).build());
        openai = OpenAIOkHttpClient.builder().baseUrl(s.openAiBase()).apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        openai.close();
        s.close();
    }

    /** The engine's embedding of a prompt, asked directly. */
    static PoolingRequestOutput direct(Prompt prompt) {
        return s.llm.encode(prompt, PoolingParams.defaults(), "direct-" + System.nanoTime()).get();
    }

    static void assertSameDirection(float[] expected, List<? extends Number> actual) {
        assertEquals(expected.length, actual.size());
        double dot = 0;
        double norm = 0;
        double expectedNorm = 0;
        for (int i = 0; i < expected.length; i++) {
            double a = actual.get(i).doubleValue();
            dot += a * expected[i];
            norm += a * a;
            expectedNorm += (double) expected[i] * expected[i];
        }
        double cosine = dot / Math.sqrt(norm * expectedNorm);
        assertTrue(cosine >= 0.999, "cosine " + cosine);
    }

    @Test
    void sdkEmbeddingsInBothEncodings() {
        for (EmbeddingCreateParams.EncodingFormat format : List.of(EmbeddingCreateParams.EncodingFormat.FLOAT,
                EmbeddingCreateParams.EncodingFormat.BASE64)) {
            CreateEmbeddingResponse response = openai.embeddings().create(EmbeddingCreateParams.builder()
                    .model(MODEL).inputOfArrayOfStrings(TEXTS).encodingFormat(format).build());
            assertEquals(MODEL, response.model());
            assertEquals(TEXTS.size(), response.data().size());
            long tokens = 0;
            for (int i = 0; i < TEXTS.size(); i++) {
                assertEquals(i, response.data().get(i).index());
                PoolingRequestOutput expected = direct(Prompt.text(TEXTS.get(i)));
                assertSameDirection(expected.embedding(), response.data().get(i).embedding());
                tokens += expected.promptTokenIds().size();
            }
            assertEquals(tokens, response.usage().promptTokens(), format.toString());
            assertEquals(tokens, response.usage().totalTokens());
        }
    }

    @Test
    void langChain4jEmbeddingModel() {
        OpenAiEmbeddingModel model = OpenAiEmbeddingModel.builder().baseUrl(s.openAiBase()).apiKey("unused")
                .modelName(MODEL).timeout(Duration.ofSeconds(30)).maxRetries(0).build();
        var embeddings = model.embedAll(TEXTS.stream().map(TextSegment::from).toList()).content();
        assertEquals(TEXTS.size(), embeddings.size());
        for (int i = 0; i < TEXTS.size(); i++) {
            assertSameDirection(direct(Prompt.text(TEXTS.get(i))).embedding(), embeddings.get(i).vectorAsList());
        }
    }

    @Test
    void tokenArraysAndBase64OverHttp() throws Exception {
        PoolingRequestOutput expectedOutput = direct(Prompt.text(TEXTS.get(1)));
        List<Integer> tokens = expectedOutput.promptTokenIds();
        ServerUnderTest.Reply reply = s.post("/v1/embeddings", ServerUnderTest.json(Map.of(
                "model", MODEL, "input", List.of(tokens, tokens), "encoding_format", "base64")));
        assertEquals(200, reply.status(), reply.body());
        JsonNode json = reply.json();
        assertEquals("list", json.get("object").asText());
        assertEquals(2, json.get("data").size());
        assertEquals(2 * tokens.size(), json.get("usage").get("prompt_tokens").asInt());
        float[] expected = expectedOutput.embedding();
        for (JsonNode item : json.get("data")) {
            assertEquals("embedding", item.get("object").asText());
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(item.get("embedding").asText()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            Float[] decoded = new Float[bytes.remaining() / Float.BYTES];
            for (int d = 0; d < decoded.length; d++) {
                decoded[d] = bytes.getFloat();
            }
            assertSameDirection(expected, List.of(decoded));
        }
    }

    @Test
    void badInputIsA400NamingTheField() throws Exception {
        ServerUnderTest.Reply empty = s.post("/v1/embeddings", "{\"model\":\"minilm\",\"input\":[]}");
        assertEquals(400, empty.status(), empty.body());
        assertEquals("input", empty.json().get("error").get("param").asText());
        ServerUnderTest.Reply format = s.post("/v1/embeddings", "{\"input\":\"x\",\"encoding_format\":\"int8\"}");
        assertEquals(400, format.status(), format.body());
        assertEquals("encoding_format", format.json().get("error").get("param").asText());
        ServerUnderTest.Reply unknown = s.post("/v1/embeddings", "{\"model\":\"nope\",\"input\":\"x\"}");
        assertEquals(404, unknown.status(), unknown.body());
    }

    @Test
    void aGenerativeModelAnswers400NotSupported() throws Exception {
        try (ServerUnderTest generative = ServerUnderTest.start()) {
            ServerUnderTest.Reply reply = generative.post("/v1/embeddings",
                    "{\"model\":\"" + ServerUnderTest.MODEL + "\",\"input\":\"Once upon a time\"}");
            assertEquals(400, reply.status(), reply.body());
            assertTrue(reply.json().get("error").get("message").asText().contains("not supported"), reply.body());
            assertEquals("invalid_request_error", reply.json().get("error").get("type").asText());
        }
    }
}
