package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Request headers over the limit, many times and concurrently: every answer is a whole HTTP 431 (status line,
 * headers, a body as long as its Content-Length) carrying OpenAI's error JSON, and the server keeps serving. Jetty
 * answers these on its bad-message path, whose buffer handling once let request bytes into an answer under load.
 */
class ServeOversizedHeadersIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int REQUESTS = 400;
    static final int CLIENTS = 16;

    @Test
    void everyOversizedHeaderGetsAWhole431() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start(); ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                int size = 70_000 + i * 37 % 20_000; // over the 64 KiB limit by 4 to 24 KiB
                answers.add(clients.submit(() -> oversized(s, size)));
            }
            List<String> bad = new ArrayList<>();
            for (Future<String> answer : answers) {
                if (!answer.get().equals("431")) {
                    bad.add(answer.get());
                }
            }
            assertTrue(bad.isEmpty(), bad.size() + " of " + REQUESTS + " answers were wrong, e.g. " + bad.subList(0, Math.min(3, bad.size())));
            assertEquals(200, s.get("/health").status());
            ServerUnderTest.Reply ok = s.post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 5}");
            assertEquals(200, ok.status(), ok.body());
        }
    }

    /** Sends one request with a header of {@code size} bytes; "431" when the whole answer was right, else what came. */
    private static String oversized(ServerUnderTest s, int size) throws Exception {
        byte[] request = ("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Big: "
                + "y".repeat(size) + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1);
        byte[] answer;
        try (Socket socket = new Socket(s.server.baseUri().getHost(), s.server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (SocketException e) {
                // the server answered and closed before taking the whole request: read what it sent
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            try {
                in.transferTo(read);
            } catch (SocketException e) {
                if (read.size() == 0) {
                    return "reset before any answer: " + e.getMessage();
                }
            }
            answer = read.toByteArray();
        }
        return check(new String(answer, StandardCharsets.ISO_8859_1));
    }

    private static String check(String answer) {
        String shown = answer.length() > 200 ? answer.substring(0, 200) + "..." : answer;
        if (!answer.startsWith("HTTP/1.1 431 ")) {
            return "not a 431 status line: " + shown;
        }
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
            return "no end of headers: " + shown;
        }
        String body = answer.substring(end + 4);
        String head = answer.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        if (!head.contains("content-type: application/json")) {
            return "not JSON: " + shown;
        }
        int length = head.indexOf("content-length: ");
        if (length < 0 || Integer.parseInt(head.substring(length + 16).split("\r\n")[0].trim()) != body.length()) {
            return "body length does not match Content-Length: " + shown;
        }
        try {
            JsonNode error = JSON.readTree(body).path("error");
            if (!"invalid_request_error".equals(error.path("type").asText()) || error.path("message").asText().isEmpty()) {
                return "not OpenAI error JSON: " + shown;
            }
        } catch (Exception e) {
            return "body is not JSON: " + shown;
        }
        return "431";
    }
}
