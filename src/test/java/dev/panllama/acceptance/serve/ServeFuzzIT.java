package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.acceptance.serve.ServerUnderTest.Reply;
import dev.panllama.cli.serve.ServerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * 500 seeded random bad requests on loopback (malformed JSON, wrong types, out-of-range values, unknown models,
 * routes and methods, oversize bodies, broken HTTP): each gets a 4xx, the API ones as OpenAI error JSON, and
 * the server is healthy and serving afterwards with nothing left running. The requests share keep-alive
 * connections, so an error answer that leaves a connection unusable fails the next request.
 */
class ServeFuzzIT {
    static final int REQUESTS = 500;
    static final int MAX_BODY = 16 * 1024;

    /** Values that are wrong for each field, by type or by range. */
    static final Map<String, List<Object>> BAD_VALUES = new LinkedHashMap<>();

    static {
        BAD_VALUES.put("max_tokens", List.of("x", -5, 1.5, true, Map.of(), List.of(1)));
        BAD_VALUES.put("temperature", List.of("x", -1, true, List.of(), Map.of()));
        BAD_VALUES.put("top_p", List.of(0, 1.5, "x", -0.1));
        BAD_VALUES.put("n", List.of(0, -1, "2", 1.5));
        BAD_VALUES.put("stop", List.of(5, List.of(1), Map.of()));
        BAD_VALUES.put("seed", List.of("x", 1.5, List.of()));
        BAD_VALUES.put("stream", List.of("yes", 1));
        BAD_VALUES.put("logit_bias", List.of(List.of(), "x", Map.of("a", 1), Map.of("1", "x")));
        BAD_VALUES.put("top_k", List.of("x", 1.5, List.of()));
        BAD_VALUES.put("min_p", List.of(-1, 2, "x"));
        BAD_VALUES.put("presence_penalty", List.of(-3, 3, "x"));
        BAD_VALUES.put("frequency_penalty", List.of(-3, 3, false));
        BAD_VALUES.put("model", List.of("nope", 5));
        BAD_VALUES.put("stop_token_ids", List.of("x", List.of("a")));
    }

    static final List<Object> BAD_PROMPTS = List.of(true, 5, Map.of(), List.of(), List.of(List.of(1, "x")), List.of("a", 1),
            List.of(-1), List.of(1, 100000));
    static final List<Object> BAD_MESSAGES = List.of("hi", List.of(), List.of("hi"), List.of(Map.of("content", "x")),
            List.of(Map.of("role", 1, "content", "x")), List.of(Map.of("role", "user", "content", 5)),
            List.of(Map.of("role", "user", "content", List.of(Map.of("type", "image_url")))));

    /** Three seeds, so races between error answers and connection reuse get more chances to show. */
    @RepeatedTest(3)
    void randomBadRequestsLeaveTheServerHealthy(RepetitionInfo repetition) throws Exception {
        Random random = new Random(20261201 + repetition.getCurrentRepetition());
        try (ServerUnderTest s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withMaxRequestBytes(MAX_BODY))) {
            Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            for (int i = 0; i < REQUESTS; i++) {
                int kind = random.nextInt(8);
                if (kind == 7) {
                    int status = rawGarbage(s, random);
                    assertTrue(status >= 400 && status < 500, "garbage HTTP got " + status);
                    statuses.merge(status, 1, Integer::sum);
                    continue;
                }
                Reply reply = switch (kind) {
                    case 0 -> s.post(randomEndpoint(random), randomBytes(random));
                    case 1, 2 -> s.post("/v1/completions", ServerUnderTest.json(badCompletion(random)));
                    case 3 -> s.post("/v1/chat/completions", ServerUnderTest.json(badChat(random)));
                    case 4 -> s.post("/v1/" + Integer.toHexString(random.nextInt()), "{}");
                    case 5 -> s.send(HttpRequest.newBuilder(s.uri(randomEndpoint(random)))
                            .method(random.nextBoolean() ? "PUT" : "DELETE", HttpRequest.BodyPublishers.noBody()));
                    default -> s.post(randomEndpoint(random), "{\"prompt\": \"" + "a".repeat(MAX_BODY + random.nextInt(1000)) + "\"}");
                };
                assertTrue(reply.status() >= 400 && reply.status() < 500, "request " + i + " (kind " + kind + ") got " + reply.status() + ": " + reply.body());
                JsonNode error = reply.json().get("error");
                assertTrue(error.get("code").isTextual(), reply.body());
                assertTrue(error.hasNonNull("message") && error.hasNonNull("type"), reply.body());
                statuses.merge(reply.status(), 1, Integer::sum);
            }
            System.out.println("fuzz statuses: " + statuses);
            assertEquals(200, s.get("/health").status());
            Reply ok = s.post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 5}");
            assertEquals(200, ok.status(), ok.body());
            assertEquals(5, ok.json().get("usage").get("completion_tokens").asInt());
            assertEquals(0, s.llm.engineSnapshot().get().running());
            assertEquals(0, s.llm.liveRequestCount());
        }
    }

    private static String randomEndpoint(Random random) {
        return List.of("/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize").get(random.nextInt(4));
    }

    private static Map<String, Object> badCompletion(Random random) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("prompt", "Once upon a time");
        body.put("max_tokens", 2);
        if (random.nextInt(4) == 0) {
            body.put("prompt", pick(BAD_PROMPTS, random));
        } else {
            String field = pick(List.copyOf(BAD_VALUES.keySet()), random);
            body.put(field, pick(BAD_VALUES.get(field), random));
        }
        return body;
    }

    private static Map<String, Object> badChat(Random random) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", List.of(Map.of("role", "user", "content", "hi")));
        body.put("max_tokens", 2);
        if (random.nextInt(3) == 0) {
            body.put("messages", pick(BAD_MESSAGES, random));
        } else {
            String field = pick(List.copyOf(BAD_VALUES.keySet()), random);
            body.put(field, pick(BAD_VALUES.get(field), random));
        }
        return body;
    }

    private static String randomBytes(Random random) {
        String alphabet = "{}[]\":,0123456789abcdefnulltruefalse \\\u00e9\u4e2d";
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(200);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        text.append('{'); // never a complete JSON object
        return text.toString();
    }

    /** Broken HTTP on a raw socket: Jetty answers 4xx before any endpoint runs. */
    private static int rawGarbage(ServerUnderTest s, Random random) throws Exception {
        List<String> heads = List.of("GARBAGE\r\n\r\n", "POST /v1/completions HTTP/1.1\r\n\r\n",
                "POST /v1/completions HTTP/1.1\r\nContent-Length: -5\r\nHost: x\r\n\r\n",
                "POST /v1/completions HTTP/1.1\r\nHost: x\r\nX: " + "y".repeat(70_000) + "\r\n\r\n", // over the 64 KiB header limit: 431
                "GET /\u0001 HTTP/1.1\r\nHost: x\r\n\r\n");
        try (Socket socket = new Socket(s.server.baseUri().getHost(), s.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(pick(heads, random).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }

    private static <T> T pick(List<T> values, Random random) {
        return values.get(random.nextInt(values.size()));
    }
}
