package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.cli.Main;
import dev.panllama.engine.testing.TestModels;
import dev.panllama.lora.LoraSynthesizer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code panllama serve} from its flags: names, API key, admin endpoints, sleep mode, LoRA modules; interrupting the command stops it. */
class ServeCommandIT {
    @TempDir
    Path dir;

    @Test
    void serveCommandHonoursItsFlags() throws Exception {
        Path adapter = LoraSynthesizer.synthesize(TestModels.stories260K(), dir.resolve("tuned.gguf"),
                LoraSynthesizer.Options.defaults()).path();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        AtomicInteger exit = new AtomicInteger(-1);
        Thread command = Thread.ofPlatform().name("serve-command").start(() -> exit.set(Main.run("serve",
                "-m", TestModels.stories260K().toString(), "--port", Integer.toString(port), "--api-key", "k",
                "--served-model-name", "alpha,beta", "--enable-admin-endpoints", "--no-enable-prefix-caching",
                "--max-num-seqs", "2", "--chat-template", "chatml", "--enable-sleep-mode",
                "--allow-runtime-lora-updating", "--lora-modules", "tuned=" + adapter, "--warmup-seconds", "1")));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            int health = 0;
            while (health != 200 && System.nanoTime() < deadline) {
                try {
                    health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(50);
                }
            }
            assertEquals(200, health);
            assertEquals(401, http.send(HttpRequest.newBuilder(base.resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(base.resolve("/v1/models"))
                    .header("Authorization", "Bearer k").build(), HttpResponse.BodyHandlers.ofString());
            JsonNode data = new ObjectMapper().readTree(models.body()).get("data");
            assertEquals("alpha", data.get(0).get("id").asText());
            assertEquals("beta", data.get(1).get("id").asText());
            assertEquals("tuned", data.get(2).get("id").asText());
            HttpResponse<String> completion = http.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .header("Authorization", "Bearer k").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tuned\", \"prompt\": \"Once\", \"max_tokens\": 4}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, completion.statusCode(), completion.body());
            assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve("/reset_prefix_cache")).header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            for (String control : new String[] {"/sleep?level=1", "/wake_up"}) {
                assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve(control)).header("Authorization", "Bearer k")
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode(), control);
            }
            assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve("/v1/unload_lora_adapter")).header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"lora_name\": \"tuned\"}")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
        } finally {
            command.interrupt();
            command.join(30_000);
        }
        assertEquals(0, exit.get());
    }
}
