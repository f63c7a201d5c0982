package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.cli.Main;
import dev.panllama.engine.workers.ChildJvm;
import dev.panllama.engine.testing.TestModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a {@code panllama serve} process (its own JVM, as an orchestrator runs it): it stops accepting, lets the
 * stream in flight run to its end, and exits.
 */
class ServeSigtermIT {
    private static final int MAX_TOKENS = 400;

    @TempDir
    Path dir;

    @Test
    void sigtermDrainsTheStreamInFlightAndExits() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        List<String> command = ChildJvm.command(Main.class.getName(), List.of(), List.of("serve",
                "-m", TestModels.stories260K().toString(), "--port", Integer.toString(port), "--threads", "1",
                "--max-num-seqs", "2", "--warmup-seconds", "0"));
        Path log = dir.resolve("serve.log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            awaitHealthy(server, base, log);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + MAX_TOKENS
                                    + ", \"stream\": true, \"ignore_eos\": true, \"temperature\": 0}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, stream.statusCode());
            ObjectMapper json = new ObjectMapper();
            int chunks = 0;
            String finishReason = null;
            boolean done = false;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring("data: ".length());
                    if (data.equals("[DONE]")) {
                        done = true;
                        continue;
                    }
                    JsonNode choice = json.readTree(data).get("choices").get(0);
                    chunks++;
                    if (!choice.get("finish_reason").isNull()) {
                        finishReason = choice.get("finish_reason").asText();
                    }
                    if (chunks == 1) {
                        server.destroy(); // SIGTERM with the stream's first token out and hundreds to come
                        assertTrue(refusesConnectionsSoon(port), "the server still accepts connections after SIGTERM");
                    }
                }
            }
            assertTrue(done, "the stream in flight ended without [DONE]");
            assertEquals("length", finishReason, "the stream in flight was cut instead of drained");
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not exit after SIGTERM");
            // the JVM's exit status after SIGTERM and its shutdown hooks: 128 + 15
            assertEquals(143, server.exitValue(), "exit status after SIGTERM");
        } finally {
            server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Whether new connections are refused within two seconds (the drain keeps running meanwhile). */
    private static boolean refusesConnectionsSoon(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread.sleep(10);
            } catch (IOException refused) {
                return true;
            }
        }
        return false;
    }

    private static void awaitHealthy(Process server, URI base, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            assertTrue(server.isAlive(), () -> "panllama serve exited: " + readLog(log));
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("panllama serve never became healthy: " + readLog(log));
    }

    private static String readLog(Path log) {
        try {
            return java.nio.file.Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
