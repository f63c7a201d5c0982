package dev.panllama.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.benchmarks.load.ServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama.cpp's llama-server as a child process on a loopback port, driven over its native {@code /completion}
 * endpoint with token-id prompts (so both sides see the very same tokens, no chat template, no BOS added).
 */
final class LlamaServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServerProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LlamaServerProcess(ServerProcess process) {
        this.process = process;
    }

    /** Starts the server with a unified KV cache of {@code kvTokens} cells over {@code slots} slots and waits until it serves. */
    static LlamaServerProcess start(Path binary, Path model, int slots, int kvTokens, int threads)
            throws IOException, InterruptedException {
        int port = ServerProcess.freeLoopbackPort();
        List<String> command = List.of(binary.toString(), "-m", model.toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "-np", Integer.toString(slots), "-c", Integer.toString(kvTokens),
                "-kvu", "-t", Integer.toString(threads), "-tb", Integer.toString(threads), "--cache-prompt",
                "--no-webui", "--log-disable");
        return new LlamaServerProcess(ServerProcess.start(command, port, null, Duration.ofMinutes(2)));
    }

    /** Sends one prompt, streaming, and returns the time to its first generated token in ms. */
    double firstTokenMillis(int[] prompt, int maxTokens) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("prompt", prompt);
        body.put("n_predict", maxTokens);
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("cache_prompt", true);
        body.put("stream", true);
        body.put("return_tokens", true);
        HttpRequest request = HttpRequest.newBuilder(process.base().resolve("/completion")).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        long sent = System.nanoTime();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IOException("llama-server answered " + response.statusCode() + ": "
                    + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        double first = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (first < 0 && line.startsWith("data: ")) {
                    JsonNode event = JSON.readTree(line.substring(6));
                    if (event.path("tokens").size() > 0 || !event.path("content").asText().isEmpty()) {
                        first = (System.nanoTime() - sent) / 1e6;
                    }
                }
            }
        }
        if (first < 0) {
            throw new IOException("llama-server streamed no token");
        }
        return first;
    }

    @Override
    public void close() {
        process.close();
    }
}
