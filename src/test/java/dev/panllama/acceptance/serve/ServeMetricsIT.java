package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.cli.serve.ServerConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: Prometheus text with the engine's panllama_ meters, open like /health. */
class ServeMetricsIT {
    static double sample(String text, String prefix) {
        return text.lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void scrapeShowsTheEngineMetersAndCountsARequest() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withApiKey("k"))) {
            HttpResponse<String> before = s.http.send(HttpRequest.newBuilder(s.uri("/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, before.statusCode(), "no API key is needed to scrape");
            assertTrue(before.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"),
                    before.headers().toString());
            for (String name : new String[] {"panllama_num_requests_running", "panllama_num_requests_waiting",
                    "panllama_kv_cache_usage_perc", "panllama_generation_tokens_total"}) {
                assertTrue(before.body().contains("# TYPE " + name + " "), name + " in\n" + before.body());
            }
            ServerUnderTest.Reply reply = s.send(HttpRequest.newBuilder(s.uri("/v1/completions"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.ofString(ServerUnderTest.json(Map.of("prompt", "Once upon a time",
                            "max_tokens", 7, "ignore_eos", true)))));
            assertEquals(200, reply.status(), reply.body());
            String after = s.get("/metrics").body();
            assertEquals(7.0, sample(after, "panllama_generation_tokens_total") - sample(before.body(), "panllama_generation_tokens_total"));
            assertEquals(1.0, sample(after, "panllama_request_success_total") - sample(before.body(), "panllama_request_success_total"));
        }
    }
}
