package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.cli.serve.ApiServer;
import dev.panllama.cli.serve.ServerConfig;
import dev.panllama.engine.AsyncLLM;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A server started warmed up answers /health 503 "warming up" while it streams completions to itself, then 200;
 * the warm-up completions went through its API (they count in /metrics), with the API key it requires.
 */
class ServeWarmupIT {
    @Test
    void healthWaitsForTheWarmupWhichServesRealCompletions() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ServerConfig config = new ServerConfig("127.0.0.1", port, "k", List.of(ServerUnderTest.MODEL), false,
                ServerConfig.DEFAULT_MAX_REQUEST_BYTES, Duration.ofSeconds(30), false, null);
        AsyncLLM llm = AsyncLLM.fromEngineArgs(ServerUnderTest.stories260K().maxNumSeqs(2).build());
        CompletableFuture<ApiServer> started = CompletableFuture.supplyAsync(() -> {
            try {
                return ApiServer.startWarmedUp(llm, config, Duration.ofSeconds(4)); // long enough for a whole request on a loaded machine
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        try {
            String warming = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!started.isDone() && System.nanoTime() < deadline) {
                try {
                    HttpResponse<String> reply = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
                    if (reply.statusCode() == 503) {
                        warming = reply.body();
                    }
                    assertTrue(reply.statusCode() == 503 || started.isDone(), "healthy before the warm-up ended: " + reply.statusCode());
                } catch (java.io.IOException notListeningYet) {
                    // the port is bound once the engine is up
                }
                Thread.sleep(20);
            }
            ApiServer server = started.join();
            try {
                assertTrue(warming != null && warming.contains("warming up"), "no 503 seen while warming up: " + warming);
                assertEquals(200, http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
                String metrics = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(ServeMetricsIT.sample(metrics, "panllama_request_success_total") >= 1,
                        "the warm-up completions did not reach the engine:\n" + metrics);
                assertTrue(ServeMetricsIT.sample(metrics, "panllama_generation_tokens_total") >= 32, metrics);
            } finally {
                server.close();
            }
        } finally {
            llm.shutdown();
        }
    }
}
