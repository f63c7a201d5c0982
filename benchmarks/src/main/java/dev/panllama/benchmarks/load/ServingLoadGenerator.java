package dev.panllama.benchmarks.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Load against an OpenAI-compatible server ({@code panllama serve}, llama-server, vLLM): streaming
 * {@code /v1/completions} requests started at the spec's rate (Poisson arrivals, or at once when infinite), at most
 * {@code maxConcurrency} in flight; with an infinite rate and a cap that is a closed loop of that many clients. Each
 * request's chunks are timestamped as they arrive. Loopback servers only, so it never loads someone else's machine.
 */
public final class ServingLoadGenerator {
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final LoadSpec spec;
    private final PromptSet prompts;
    private final AtomicInteger resent = new AtomicInteger();

    public ServingLoadGenerator(URI base, LoadSpec spec, PromptSet prompts) throws UnknownHostException {
        requireLoopback(base);
        this.base = base;
        this.spec = spec;
        this.prompts = prompts;
    }

    /** Sends the warm-up requests, then the measured ones, and reports the measured ones. */
    public LoadReport run(String label) throws InterruptedException {
        if (spec.warmups() > 0) {
            send(spec.warmups(), new Random(spec.seed() ^ 0x5EED), 0);
        }
        resent.set(0);
        long start = System.nanoTime();
        List<LoadResult> results = send(spec.requests(), new Random(spec.seed()), spec.warmups());
        double seconds = (System.nanoTime() - start) / 1e9;
        return LoadReport.of(label, base.toString(), spec, prompts.name(), results, seconds, resent.get());
    }

    /** Starts {@code count} requests, the i-th with prompt {@code firstPrompt + i}, and waits for every one to end. */
    private List<LoadResult> send(int count, Random arrivals, int firstPrompt) throws InterruptedException {
        List<LoadResult> results = Collections.synchronizedList(new ArrayList<>(count));
        int cap = spec.maxConcurrency() > 0 ? spec.maxConcurrency() : count;
        Semaphore inFlight = new Semaphore(cap);
        long next = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                if (Double.isFinite(spec.requestRate())) {
                    // exponential gaps: a Poisson process of requestRate requests per second
                    next += (long) (-Math.log(1 - arrivals.nextDouble()) / spec.requestRate() * 1e9);
                    for (long wait; (wait = next - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(wait);
                    }
                }
                inFlight.acquire();
                Object prompt = prompts.get(firstPrompt + i);
                clients.submit(() -> {
                    try {
                        results.add(request(prompt));
                    } finally {
                        inFlight.release();
                    }
                });
            }
            clients.shutdown();
            if (!clients.awaitTermination(REQUEST_TIMEOUT.toMinutes() + 1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("requests to " + base + " still running after " + REQUEST_TIMEOUT);
            }
        }
        return results;
    }

    private LoadResult request(Object prompt) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (spec.servedModel() != null) {
            body.put("model", spec.servedModel());
        }
        body.put("prompt", prompt);
        body.put("max_tokens", spec.maxTokens());
        body.put("temperature", 0);
        body.put("ignore_eos", true);
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        long start = System.nanoTime();
        try {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/completions")).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))).build();
            HttpResponse<InputStream> response = sendResendingOnClosedConnection(request);
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    String reply = lines.lines().reduce("", String::concat);
                    return LoadResult.failed(System.nanoTime() - start, "HTTP " + response.statusCode() + ": "
                            + reply.substring(0, Math.min(200, reply.length())));
                }
                return readStream(lines, start);
            }
        } catch (Exception e) {
            return LoadResult.failed(System.nanoTime() - start, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * A server may close a kept-alive connection just as the client reuses it (llama-server's HTTP library closes one
     * after a fixed number of requests), and the JDK client does not resend a POST: one resend, timed from the first
     * attempt and counted in the report, keeps that race from failing a request the server never saw.
     */
    private HttpResponse<InputStream> sendResendingOnClosedConnection(HttpRequest request)
            throws java.io.IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.io.IOException e) {
            if (e.getMessage() == null || !e.getMessage().contains("received no bytes")) {
                throw e;
            }
            resent.incrementAndGet();
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        }
    }

    /**
     * Reads server-sent events to {@code [DONE]}, timestamping every chunk that carries text, then the body to its
     * end as an OpenAI client does: a body left unread keeps its connection from being reused, so the next request
     * would pay for a new one.
     */
    private LoadResult readStream(BufferedReader lines, long start) throws java.io.IOException {
        List<Long> chunkTimes = new ArrayList<>();
        int usagePrompt = 0;
        int usageCompletion = -1;
        boolean done = false;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (!line.startsWith("data:")) {
                continue;
            }
            long now = System.nanoTime();
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                done = true;
                break;
            }
            JsonNode chunk = json.readTree(data);
            for (JsonNode choice : chunk.path("choices")) {
                if (!choice.path("text").asText("").isEmpty()) {
                    chunkTimes.add(now);
                    break;
                }
            }
            JsonNode usage = chunk.path("usage");
            if (usage.isObject()) {
                usagePrompt = usage.path("prompt_tokens").asInt(0);
                usageCompletion = usage.path("completion_tokens").asInt(-1);
            }
        }
        long latency = System.nanoTime() - start;
        while (done && lines.readLine() != null) {
            // nothing follows [DONE]; reading to the end lets the client reuse the connection
        }
        String error = !done ? "stream ended without [DONE]" : chunkTimes.isEmpty() ? "no text" : null;
        if (error != null) {
            return LoadResult.failed(latency, error);
        }
        long[] itl = new long[chunkTimes.size() - 1];
        for (int i = 1; i < chunkTimes.size(); i++) {
            itl[i - 1] = chunkTimes.get(i) - chunkTimes.get(i - 1);
        }
        return new LoadResult(true, chunkTimes.getFirst() - start, latency, itl, usagePrompt,
                usageCompletion >= 0 ? usageCompletion : chunkTimes.size(), null);
    }

    static void requireLoopback(URI url) throws UnknownHostException {
        if (url.getHost() == null || !InetAddress.getByName(url.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("--url must name a loopback server (127.0.0.1, localhost, ::1), got " + url);
        }
    }
}
