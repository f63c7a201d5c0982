package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streamed completions sent by the server to itself before it reports healthy, for a bounded time: the JVM compiles
 * the per-token path (HTTP, JSON, detokenization, scheduling) while no client waits on it, so the first clients are
 * served at full speed rather than by the interpreter. As llama-server's startup warm-up decode, it costs start-up
 * time only. Never fatal: a failed warm-up is logged and the server starts cold.
 */
final class ServingWarmup {
    private static final Logger LOG = LoggerFactory.getLogger(ServingWarmup.class);
    private static final int TOKENS_PER_REQUEST = 32;

    private final URI base;
    private final String apiKey;
    private final String model;
    private final int concurrency;
    private final Duration budget;
    private final ObjectMapper mapper = new ObjectMapper();

    ServingWarmup(URI base, String apiKey, String model, int concurrency, Duration budget) {
        this.base = base;
        this.apiKey = apiKey;
        this.model = model;
        this.concurrency = Math.max(1, concurrency);
        this.budget = budget;
    }

    /** Runs {@code concurrency} clients back to back until the budget is spent; returns the completions finished. */
    int run() {
        long deadline = System.nanoTime() + budget.toNanos();
        AtomicInteger completed = new AtomicInteger();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (http; ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int client = 0; client < concurrency; client++) {
                int seed = client;
                clients.submit(() -> {
                    for (int i = seed; System.nanoTime() < deadline; i += concurrency) {
                        if (!complete(http, i, deadline)) {
                            return;
                        }
                        completed.incrementAndGet();
                    }
                });
            }
        }
        return completed.get();
    }

    /** One streamed completion read to its end; closing early (past the deadline) makes the server abort it. */
    private boolean complete(HttpClient http, int index, long deadline) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", "Once upon a time, " + index);
        body.put("max_tokens", TOKENS_PER_REQUEST);
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("stream", true);
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .timeout(budget.plusSeconds(5)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)));
            if (apiKey != null) {
                request.header("Authorization", "Bearer " + apiKey);
            }
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                byte[] buffer = new byte[4096];
                while (in.read(buffer) >= 0) {
                    if (System.nanoTime() > deadline) {
                        return false;
                    }
                }
            }
            if (response.statusCode() != 200) {
                LOG.warn("serving warm-up stopped: HTTP {} from {}", response.statusCode(), base);
                return false;
            }
            return true;
        } catch (IOException e) {
            LOG.warn("serving warm-up stopped: {}", e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
