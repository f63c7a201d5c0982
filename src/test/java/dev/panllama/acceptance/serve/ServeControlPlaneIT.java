package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.cli.serve.ServerConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin control plane over HTTP: pause/resume with a stream in flight, sleep/wake_up, and 404 without the flag. */
class ServeControlPlaneIT {
    static ServerUnderTest s;

    @BeforeAll
    static void start() throws Exception {
        s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withAdminEndpoints(true),
                ServerUnderTest.stories260K().enableSleepMode(true).build());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static boolean flag(String path, String field) throws Exception {
        ServerUnderTest.Reply reply = s.get(path);
        assertEquals(200, reply.status(), reply.body());
        return reply.json().get(field).booleanValue();
    }

    static void post(String path) throws Exception {
        ServerUnderTest.Reply reply = s.post(path, "");
        assertEquals(200, reply.status(), path + ": " + reply.body());
    }

    static Map<String, Object> greedy(int maxTokens, boolean stream) {
        return Map.of("model", ServerUnderTest.MODEL, "prompt", "Once upon a time", "max_tokens", maxTokens,
                "temperature", 0, "ignore_eos", true, "stream", stream);
    }

    /**
     * Sends a short completion while the engine is held, checks it is still waiting after 300 ms, runs
     * {@code releasePath} and checks it then succeeds.
     */
    static void assertWaitsUntil(String holder, String releasePath) throws Exception {
        CompletableFuture<ServerUnderTest.Reply> queued = CompletableFuture.supplyAsync(() -> {
            try {
                return s.post("/v1/completions", ServerUnderTest.json(greedy(8, false)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(queued.isDone(), "a request sent while " + holder + " waits");
        post(releasePath);
        ServerUnderTest.Reply reply = queued.get(30, TimeUnit.SECONDS);
        assertEquals(200, reply.status(), reply.body());
    }

    @Test
    void pauseKeepFreezesAStreamAndResumeFinishesItWithTheSameText() throws Exception {
        int maxTokens = 160;
        String expected = s.post("/v1/completions", ServerUnderTest.json(greedy(maxTokens, false)))
                .json().get("choices").get(0).get("text").asText();

        LiveStream live = LiveStream.open(maxTokens);
        AtomicInteger chunks = live.chunks;
        CompletableFuture<Void> done = live.done;
        live.awaitFirstChunk();
        post("/pause?mode=keep&clear_cache=false");
        assertTrue(flag("/is_paused", "is_paused"));
        Thread.sleep(300); // chunks already on the wire arrive
        int frozen = chunks.get();
        Thread.sleep(700);
        assertFalse(done.isDone(), "the stream ended while paused");
        assertEquals(frozen, chunks.get(), "chunks arrived while paused");
        assertTrue(frozen < maxTokens, "paused after " + frozen + " chunks");

        post("/resume");
        assertFalse(flag("/is_paused", "is_paused"));
        done.get(30, TimeUnit.SECONDS);
        assertEquals(expected, live.text(), "keep resumes with the same tokens");
        assertEquals("length", live.finishReason);
    }

    /** A streamed greedy completion read on a virtual thread: chunks, text and finish reason as they arrive. */
    static final class LiveStream {
        final AtomicInteger chunks = new AtomicInteger();
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile String finishReason;

        static LiveStream open(int maxTokens) throws Exception {
            LiveStream live = new LiveStream();
            HttpResponse<Stream<String>> response = s.http.send(HttpRequest.newBuilder(s.uri("/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(ServerUnderTest.json(greedy(maxTokens, true)))).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            Thread.ofVirtual().start(() -> {
                response.body().filter(line -> line.startsWith("data: {")).forEach(data -> {
                    JsonNode choice = s.llmJson(data.substring(6)).get("choices").get(0);
                    synchronized (live.text) {
                        live.text.append(choice.get("text").asText());
                    }
                    if (!choice.get("finish_reason").isNull()) {
                        live.finishReason = choice.get("finish_reason").asText();
                    }
                    live.chunks.incrementAndGet();
                });
                live.done.complete(null);
            });
            return live;
        }

        void awaitFirstChunk() throws InterruptedException {
            while (chunks.get() < 1 && !done.isDone()) {
                Thread.sleep(1);
            }
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }

    @Test
    void sleepAbortsAStreamInFlightAndHoldsTheSchedulerUntilWakeUp() throws Exception {
        ServerUnderTest.Reply badMode = s.post("/sleep?level=1&mode=later", "");
        assertEquals(400, badMode.status(), badMode.body());
        LiveStream live = LiveStream.open(160);
        live.awaitFirstChunk();
        post("/sleep?level=1");
        live.done.get(30, TimeUnit.SECONDS);
        assertEquals("abort", live.finishReason, "sleep's default mode aborts requests in flight");
        assertTrue(flag("/is_sleeping", "is_sleeping"));
        assertWaitsUntil("asleep", "/wake_up");
        assertFalse(flag("/is_paused", "is_paused"));
    }

    @Test
    void aRequestSentWhilePausedWaitsForResumeAndABadModeIsA400() throws Exception {
        ServerUnderTest.Reply bad = s.post("/pause?mode=later", "");
        assertEquals(400, bad.status(), bad.body());
        assertEquals("mode", bad.json().get("error").get("param").asText());
        post("/pause?mode=abort");
        try {
            assertWaitsUntil("paused", "/resume");
        } finally {
            s.post("/resume", "");
        }
    }

    @Test
    void sleepAndWakeUpRoundTrip() throws Exception {
        assertFalse(flag("/is_sleeping", "is_sleeping"));
        post("/sleep?level=1");
        assertTrue(flag("/is_sleeping", "is_sleeping"));
        assertTrue(s.get("/metrics").body().lines().anyMatch(line -> line.startsWith("panllama_engine_sleep_state{")
                && line.contains("sleep_state=\"weights_offloaded\"") && (line.endsWith(" 1.0") || line.endsWith(" 1"))),
                "the scrape shows the weights offloaded");
        post("/wake_up?tags=weights");
        assertTrue(flag("/is_sleeping", "is_sleeping"), "the KV cache and scheduling still sleep");
        post("/wake_up?tags=kv_cache,scheduling");
        assertFalse(flag("/is_sleeping", "is_sleeping"));
        ServerUnderTest.Reply reply = s.post("/v1/completions", ServerUnderTest.json(greedy(8, false)));
        assertEquals(200, reply.status(), reply.body());

        ServerUnderTest.Reply badTag = s.post("/wake_up?tags=everything", "");
        assertEquals(400, badTag.status(), badTag.body());
        ServerUnderTest.Reply badLevel = s.post("/sleep?level=high", "");
        assertEquals(400, badLevel.status(), badLevel.body());
    }

    @Test
    void withoutTheAdminFlagTheControlRoutesAre404() throws Exception {
        try (ServerUnderTest plain = ServerUnderTest.start()) {
            for (String path : List.of("/pause", "/resume", "/sleep", "/wake_up")) {
                ServerUnderTest.Reply reply = plain.post(path, "");
                assertEquals(404, reply.status(), path + ": " + reply.body());
                assertEquals("not_found", reply.json().get("error").get("code").asText());
            }
            for (String path : List.of("/is_paused", "/is_sleeping")) {
                assertEquals(404, plain.get(path).status(), path);
            }
        }
    }
}
