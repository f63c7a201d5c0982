package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.acceptance.serve.ServerUnderTest.Reply;
import dev.panllama.cli.serve.ServerConfig;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server's HTTP contract with a plain client: shapes, usage, errors, auth, admin, health, size limits. */
class ServeHttpContractIT {
    static ServerUnderTest s;

    @BeforeAll
    static void start() throws Exception {
        s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withAdminEndpoints(true).withMaxRequestBytes(64 * 1024));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void completionHasOpenAiShapeAndUsage() throws Exception {
        Reply reply = s.post("/v1/completions", ServerUnderTest.json(Map.of("model", ServerUnderTest.MODEL,
                "prompt", List.of("Once upon a time", "The cat"), "max_tokens", 8, "n", 2, "seed", 7, "logprobs", 2)));
        assertEquals(200, reply.status(), reply.body());
        JsonNode json = reply.json();
        assertEquals("text_completion", json.get("object").asText());
        assertTrue(json.get("id").asText().startsWith("cmpl-"));
        assertEquals(4, json.get("choices").size(), "2 prompts x n=2");
        int completionTokens = 0;
        for (int i = 0; i < 4; i++) {
            JsonNode choice = json.get("choices").get(i);
            assertEquals(i, choice.get("index").asInt());
            assertEquals("length", choice.get("finish_reason").asText());
            JsonNode logprobs = choice.get("logprobs");
            assertEquals(8, logprobs.get("tokens").size());
            assertEquals(8, logprobs.get("token_logprobs").size());
            assertTrue(logprobs.get("top_logprobs").get(0).size() >= 2);
            completionTokens += logprobs.get("tokens").size();
        }
        JsonNode usage = json.get("usage");
        assertEquals(completionTokens, usage.get("completion_tokens").asInt());
        assertEquals(usage.get("prompt_tokens").asInt() + completionTokens, usage.get("total_tokens").asInt());
        assertTrue(usage.get("prompt_tokens_details").has("cached_tokens"));
    }

    @Test
    void repeatedLongPromptReportsCachedTokens() throws Exception {
        String prompt = "Once upon a time there was a little girl named Lily who loved to play in the park with her dog";
        String body = ServerUnderTest.json(Map.of("prompt", prompt, "max_tokens", 2, "temperature", 0));
        assertEquals(200, s.post("/v1/completions", body).status());
        JsonNode usage = s.post("/v1/completions", body).json().get("usage");
        int cached = usage.get("prompt_tokens_details").get("cached_tokens").asInt();
        assertTrue(cached > 0 && cached < usage.get("prompt_tokens").asInt(), usage.toString());
    }

    @Test
    void stopStringEndsTheCompletion() throws Exception {
        String free = s.post("/v1/completions", ServerUnderTest.json(Map.of("prompt", "Once upon a time", "max_tokens", 24,
                "temperature", 0))).json().get("choices").get(0).get("text").asText();
        String stop = free.strip().split(" ")[1];
        JsonNode choice = s.post("/v1/completions", ServerUnderTest.json(Map.of("prompt", "Once upon a time", "max_tokens", 24,
                "temperature", 0, "stop", stop))).json().get("choices").get(0);
        assertEquals("stop", choice.get("finish_reason").asText());
        assertEquals(stop, choice.get("stop_reason").asText());
        assertFalse(choice.get("text").asText().contains(stop));
    }

    @Test
    void chatStreamSendsRoleThenContentThenUsageThenDone() throws Exception {
        Reply reply = s.post("/v1/chat/completions", ServerUnderTest.json(Map.of("messages",
                List.of(Map.of("role", "user", "content", "Tell me a story")), "max_tokens", 6, "stream", true,
                "stream_options", Map.of("include_usage", true), "logprobs", true, "top_logprobs", 3)));
        assertEquals(200, reply.status());
        List<String> events = new ArrayList<>();
        for (String line : reply.body().split("\n")) {
            if (line.startsWith("data: ")) {
                events.add(line.substring(6));
            }
        }
        assertEquals("[DONE]", events.getLast());
        JsonNode first = s.llmJson(events.getFirst());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
        JsonNode usageChunk = s.llmJson(events.get(events.size() - 2));
        assertEquals(0, usageChunk.get("choices").size());
        assertEquals(6, usageChunk.get("usage").get("completion_tokens").asInt());
        int logprobEntries = 0;
        String finish = null;
        for (String event : events.subList(1, events.size() - 2)) {
            JsonNode choice = s.llmJson(event).get("choices").get(0);
            if (choice.hasNonNull("logprobs")) {
                for (JsonNode entry : choice.get("logprobs").get("content")) {
                    assertEquals(3, entry.get("top_logprobs").size());
                    logprobEntries++;
                }
            }
            if (choice.hasNonNull("finish_reason")) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertEquals(6, logprobEntries);
        assertEquals("length", finish);
    }

    @Test
    void modelsHealthTokenizeDetokenize() throws Exception {
        JsonNode models = s.get("/v1/models").json();
        assertEquals(ServerUnderTest.MODEL, models.get("data").get(0).get("id").asText());
        assertEquals(s.llm.maxModelLen(), models.get("data").get(0).get("max_model_len").asInt());
        assertEquals(200, s.get("/health").status());
        JsonNode tokens = s.post("/tokenize", "{\"prompt\": \"Once upon a time\", \"add_special_tokens\": false}").json();
        assertEquals(tokens.get("tokens").size(), tokens.get("count").asInt());
        assertEquals(s.llm.getTokenizer().encode("Once upon a time", false).size(), tokens.get("count").asInt());
        String text = s.post("/detokenize", "{\"tokens\": " + tokens.get("tokens") + "}").json().get("prompt").asText();
        assertEquals("Once upon a time", text.strip());
        JsonNode chat = s.post("/tokenize", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}").json();
        assertTrue(chat.get("count").asInt() > 1);
    }

    @Test
    void resetPrefixCacheIsAnAdminEndpoint() throws Exception {
        assertEquals(200, s.post("/reset_prefix_cache", "").status());
        assertEquals(200, s.post("/reset_prefix_cache?reset_running_requests=true", "").status());
        assertError(s.post("/reset_prefix_cache?reset_running_requests=maybe", ""), 400, "reset_running_requests");
        try (ServerUnderTest plain = ServerUnderTest.start()) {
            assertError(plain.post("/reset_prefix_cache", ""), 404, null);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "malformed JSON        | /v1/completions      | {\"prompt\": \"x\"          | 400 | ",
        "not an object         | /v1/completions      | [1, 2]                      | 400 | ",
        "prompt missing        | /v1/completions      | {}                          | 400 | prompt",
        "prompt wrong type     | /v1/completions      | {\"prompt\": true}          | 400 | prompt",
        "max_tokens string     | /v1/completions      | {\"prompt\": \"a\", \"max_tokens\": \"5\"} | 400 | max_tokens",
        "max_tokens negative   | /v1/completions      | {\"prompt\": \"a\", \"max_tokens\": -1}    | 400 | max_tokens",
        "temperature negative  | /v1/completions      | {\"prompt\": \"a\", \"temperature\": -1}  | 400 | temperature",
        "top_p above one       | /v1/completions      | {\"prompt\": \"a\", \"top_p\": 1.5}      | 400 | top_p",
        "n zero                | /v1/completions      | {\"prompt\": \"a\", \"n\": 0}            | 400 | n",
        "stop wrong type       | /v1/completions      | {\"prompt\": \"a\", \"stop\": 5}         | 400 | stop",
        "logit_bias key        | /v1/completions      | {\"prompt\": \"a\", \"logit_bias\": {\"x\": 1}} | 400 | logit_bias",
        "token out of vocab    | /v1/completions      | {\"prompt\": [1, 99999]}    | 400 | prompt_token_ids",
        "unknown model         | /v1/completions      | {\"prompt\": \"a\", \"model\": \"gpt-9\"} | 404 | model",
        "stream_options alone  | /v1/completions      | {\"prompt\": \"a\", \"stream_options\": {}} | 400 | stream_options",
        "messages missing      | /v1/chat/completions | {}                          | 400 | messages",
        "messages empty        | /v1/chat/completions | {\"messages\": []}          | 400 | messages",
        "role missing          | /v1/chat/completions | {\"messages\": [{\"content\": \"hi\"}]} | 400 | messages[0].role",
        "image part            | /v1/chat/completions | {\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]} | 400 | messages[0].content",
        "tools                 | /v1/chat/completions | {\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{}]} | 400 | tools",
        "top_logprobs too many | /v1/chat/completions | {\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"logprobs\": true, \"top_logprobs\": 21} | 400 | top_logprobs",
        "detokenize bad id     | /detokenize          | {\"tokens\": [-1]}          | 400 | tokens",
        "no such route         | /v2/completions      | {}                          | 404 | ",
    })
    void badRequestsGetOpenAiErrors(String what, String path, String body, int status, String param) throws Exception {
        assertError(s.post(path, body), status, param);
    }

    @Test
    void wrongMethodAndOversizeBody() throws Exception {
        assertError(s.get("/v1/completions"), 405, null);
        String big = "{\"prompt\": \"" + "a".repeat(70 * 1024) + "\"}";
        assertError(s.post("/v1/completions", big), 413, null);
        assertEquals(200, s.get("/health").status());
    }

    @Test
    void apiKeyGuardsEverythingButHealth() throws Exception {
        try (ServerUnderTest keyed = ServerUnderTest.start(ServerConfig.loopback("m").withApiKey("sesame"))) {
            assertError(keyed.get("/v1/models"), 401, null);
            assertError(keyed.send(HttpRequest.newBuilder(keyed.uri("/v1/models")).header("Authorization", "Bearer wrong").GET()), 401, null);
            assertEquals(200, keyed.send(HttpRequest.newBuilder(keyed.uri("/v1/models")).header("Authorization", "Bearer sesame").GET()).status());
            assertEquals(200, keyed.get("/health").status());
        }
    }

    @Test
    void healthIs503OnceTheEngineIsDead() throws Exception {
        ServerUnderTest doomed = ServerUnderTest.start();
        try {
            assertEquals(200, doomed.get("/health").status());
            doomed.llm.shutdown();
            assertError(doomed.get("/health"), 503, null);
            assertError(doomed.post("/v1/completions", "{\"prompt\": \"a\"}"), 503, null);
        } finally {
            doomed.close();
        }
    }

    static void assertError(Reply reply, int status, String param) {
        assertEquals(status, reply.status(), reply.body());
        JsonNode error = reply.json().get("error");
        assertNotNull(error, reply.body());
        assertFalse(error.get("message").asText().isBlank());
        assertTrue(error.hasNonNull("type"));
        assertTrue(error.get("code").isTextual(), reply.body());
        if (param != null) {
            assertEquals(param, error.get("param").asText(), reply.body());
        }
    }
}
