package dev.panllama.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop load generator for OpenAI-compatible servers ({@code panllama serve}, llama-server): each of
 * {@code concurrency} clients sends a streaming {@code /v1/completions} request, waits for its end, and sends the
 * next, until {@code requests} were sent or {@code seconds} passed. Loopback servers only, so it never loads
 * someone else's machine.
 *
 * <pre>
 * ServingLoadGenerator --url http://127.0.0.1:8000 --label panllama --concurrency 4 --requests 200 \
 *     --max-tokens 64 --seconds 120 --out target/load
 * </pre>
 */
public final class ServingLoadGenerator {
    static final int MAX_REQUESTS = 100_000;
    static final int MAX_SECONDS = 3_600;
    static final int MAX_CONCURRENCY = 256;
    static final List<String> PROMPTS = List.of("Once upon a time", "The little dog", "One day, a girl named Lily",
            "Tom and his mom went to the park", "There was a big red ball");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI completions;
    private final String model;
    private final int maxTokens;

    ServingLoadGenerator(URI base, String model, int maxTokens) {
        this.completions = base.resolve("/v1/completions");
        this.model = model;
        this.maxTokens = maxTokens;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        URI url = URI.create(options.getOrDefault("url", "http://127.0.0.1:8000"));
        requireLoopback(url);
        String label = options.getOrDefault("label", "server");
        int concurrency = bounded(options, "concurrency", 4, MAX_CONCURRENCY);
        int requests = bounded(options, "requests", 200, MAX_REQUESTS);
        int seconds = bounded(options, "seconds", 120, MAX_SECONDS);
        int maxTokens = bounded(options, "max-tokens", 64, 4096);
        ServingLoadGenerator generator = new ServingLoadGenerator(url, options.get("model"), maxTokens);
        generator.run(Math.min(concurrency, 2), 2 * concurrency, seconds); // warm-up, not reported
        long start = System.nanoTime();
        List<LoadResult> results = generator.run(concurrency, requests, seconds);
        double elapsed = (System.nanoTime() - start) / 1e9;
        LoadReport report = LoadReport.of(label, url.toString(), concurrency, maxTokens, results, elapsed);
        report.write(Path.of(options.getOrDefault("out", "target/load")));
        System.out.print(report.markdown());
    }

    /** Runs the closed loop and returns every request's result. */
    List<LoadResult> run(int concurrency, int requests, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger issued = new AtomicInteger();
        List<LoadResult> results = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < concurrency; c++) {
                clients.submit(() -> {
                    int i;
                    while ((i = issued.getAndIncrement()) < requests && System.nanoTime() < deadline) {
                        results.add(request(PROMPTS.get(i % PROMPTS.size())));
                    }
                });
            }
        }
        return results;
    }

    private LoadResult request(String prompt) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (model != null) {
            body.put("model", model);
        }
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        long start = System.nanoTime();
        try {
            HttpRequest request = HttpRequest.newBuilder(completions).timeout(Duration.ofMinutes(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    return LoadResult.failed(System.nanoTime() - start, "HTTP " + response.statusCode());
                }
                long ttft = -1;
                int chunks = 0;
                int usageTokens = -1;
                boolean done = false;
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6).strip();
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    JsonNode chunk = json.readTree(data);
                    for (JsonNode choice : chunk.path("choices")) {
                        if (!choice.path("text").asText("").isEmpty()) {
                            chunks++;
                            if (ttft < 0) {
                                ttft = System.nanoTime() - start;
                            }
                        }
                    }
                    if (chunk.hasNonNull("usage")) {
                        usageTokens = chunk.get("usage").path("completion_tokens").asInt(-1);
                    }
                }
                long latency = System.nanoTime() - start;
                String error = !done ? "stream ended without [DONE]" : ttft < 0 ? "no text" : null;
                return new LoadResult(error == null, ttft, latency, usageTokens >= 0 ? usageTokens : chunks, error);
            }
        } catch (Exception e) {
            return LoadResult.failed(System.nanoTime() - start, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    static void requireLoopback(URI url) throws java.net.UnknownHostException {
        if (url.getHost() == null || !InetAddress.getByName(url.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("--url must name a loopback server (127.0.0.1, localhost, ::1), got " + url);
        }
    }

    static int bounded(Map<String, String> options, String name, int fallback, int max) {
        int value = Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
        if (value < 1 || value > max) {
            throw new IllegalArgumentException("--" + name + " must be in [1, " + max + "], got " + value);
        }
        return value;
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
