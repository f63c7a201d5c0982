package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Invariants of the output records and their snake_case views (what --json prints). */
class OutputTypesTest {

    @Test
    void finishReasonWireNames() {
        assertEquals("stop", FinishReason.STOP.wireName());
        assertEquals("length", FinishReason.LENGTH.wireName());
        assertEquals("abort", FinishReason.ABORT.wireName());
        assertEquals("error", FinishReason.ERROR.wireName());
        assertEquals("repetition", FinishReason.REPETITION.wireName());
        for (FinishReason r : FinishReason.values()) {
            assertEquals(r, FinishReason.fromWireName(r.wireName()));
        }
        assertThrows(IllegalArgumentException.class, () -> FinishReason.fromWireName("STOP"));
    }

    @Test
    void completionOutputCopiesAndChecks() {
        List<Integer> ids = new ArrayList<>(List.of(1, 2));
        CompletionOutput c = new CompletionOutput(0, "hi", ids, null, null, null, null);
        ids.add(3);
        assertEquals(List.of(1, 2), c.tokenIds());
        assertFalse(c.finished());
        assertTrue(new CompletionOutput(0, "", null, null, null, FinishReason.STOP, 2).finished());
        assertEquals(List.of(), new CompletionOutput(0, "", null, null, null, null, null).tokenIds());
        assertThrows(IllegalArgumentException.class,
                () -> new CompletionOutput(0, "", List.of(), null, null, FinishReason.STOP, 2.5));
        assertThrows(IllegalArgumentException.class, () -> new CompletionOutput(-1, "", List.of(), null, null,
                null, null));
        assertThrows(NullPointerException.class, () -> new CompletionOutput(0, null, List.of(), null, null,
                null, null));
        assertThrows(IllegalArgumentException.class, () -> new Logprob(-1f, 0, "x"));
    }

    @Test
    void logprobPositionsKeepTheirOrderAndAreImmutable() {
        Map<Integer, Logprob> position = new LinkedHashMap<>();
        position.put(42, new Logprob(-2.5f, 3, " sampled"));
        position.put(7, new Logprob(-0.1f, 1, " top"));
        position.put(9, new Logprob(-1.0f, 2, " second"));
        CompletionOutput c = new CompletionOutput(0, " sampled", List.of(42), -2.5, List.of(position), null, null);
        position.clear();
        assertEquals(List.of(42, 7, 9), new ArrayList<>(c.logprobs().getFirst().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> c.logprobs().getFirst().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.logprobs().add(Map.of()));
        assertThrows(NullPointerException.class, () -> new CompletionOutput(0, "", List.of(1), null,
                Arrays.asList((Map<Integer, Logprob>) null), null, null));
    }

    @Test
    void promptLogprobsAllowTheNullFirstPosition() {
        Map<Integer, Logprob> second = new HashMap<>(Map.of(3, new Logprob(-1f, 1, "b")));
        RequestOutput r = new RequestOutput("r", "ab", List.of(2, 3), Arrays.asList(null, second), List.of(), false,
                null, 0);
        assertNull(r.promptLogprobs().get(0));
        assertEquals(new Logprob(-1f, 1, "b"), r.promptLogprobs().get(1).get(3));
        assertThrows(UnsupportedOperationException.class, () -> r.promptLogprobs().set(0, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new RequestOutput("r", null, List.of(), null, List.of(), false, null, -1));
    }

    @Test
    void requestOutputSnakeCaseMap() {
        CompletionOutput c = new CompletionOutput(1, " end", List.of(5, 2), -1.25,
                List.of(Map.of(5, new Logprob(-1f, 1, " end")), Map.of(2, new Logprob(-0.25f, 1, null))),
                FinishReason.STOP, 2);
        RequestMetrics m = new RequestMetrics(Instant.ofEpochSecond(1_700_000_000L, 500_000_000), 1_000_000_000L,
                1_500_000_000L, 2_000_000_000L, 3_000_000_000L, Duration.ofMillis(250), 2);
        RequestOutput r = new RequestOutput("req-9", "The", List.of(1, 450), null, List.of(c), true, m, 16);

        Map<String, Object> map = r.toSnakeCaseMap();
        assertEquals(List.of("request_id", "prompt", "prompt_token_ids", "prompt_logprobs", "outputs", "finished",
                "metrics", "num_cached_tokens"), new ArrayList<>(map.keySet()));
        assertEquals("req-9", map.get("request_id"));
        assertEquals("The", map.get("prompt"));
        assertEquals(List.of(1, 450), map.get("prompt_token_ids"));
        assertNull(map.get("prompt_logprobs"));
        assertEquals(true, map.get("finished"));
        assertEquals(16, map.get("num_cached_tokens"));

        Map<String, Object> completion = c.toSnakeCaseMap();
        assertEquals(List.of(completion), map.get("outputs"));
        assertEquals(List.of("index", "text", "token_ids", "cumulative_logprob", "logprobs", "finish_reason",
                "stop_reason"), new ArrayList<>(completion.keySet()));
        assertEquals(1, completion.get("index"));
        assertEquals(" end", completion.get("text"));
        assertEquals(List.of(5, 2), completion.get("token_ids"));
        assertEquals(-1.25, completion.get("cumulative_logprob"));
        assertEquals("stop", completion.get("finish_reason"));
        assertEquals(2, completion.get("stop_reason"));
        Map<String, Object> eos = new LinkedHashMap<>();
        eos.put("logprob", -0.25f);
        eos.put("rank", 1);
        eos.put("decoded_token", null);
        assertEquals(List.of(Map.of(5, Map.of("logprob", -1f, "rank", 1, "decoded_token", " end")), Map.of(2, eos)),
                completion.get("logprobs"));

        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) map.get("metrics");
        assertEquals(1_700_000_000.5, metrics.get("arrival_time"));
        assertEquals(1.0, metrics.get("queued_ts"));
        assertEquals(3.0, metrics.get("last_token_ts"));
        assertEquals(0.25, metrics.get("first_token_latency"));
        assertEquals(2, metrics.get("num_generation_tokens"));
        assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1));
    }

    @Test
    void runningCompletionHasNullFinishAndStopReason() {
        Map<String, Object> map = new CompletionOutput(0, "", List.of(), null, null, null, null).toSnakeCaseMap();
        assertTrue(map.containsKey("finish_reason"));
        assertNull(map.get("finish_reason"));
        assertNull(map.get("stop_reason"));
        assertNull(map.get("logprobs"));
    }

    @Test
    void metricsDurations() {
        RequestMetrics m = new RequestMetrics(Instant.EPOCH, 100L, 400L, 1_400L, 5_400L, Duration.ofMillis(3), 9);
        assertEquals(Optional.of(Duration.ofNanos(300)), m.queuedTime());
        assertEquals(Optional.of(Duration.ofNanos(1_000)), m.prefillTime());
        assertEquals(Optional.of(Duration.ofNanos(4_000)), m.decodeTime());
        assertEquals(Optional.of(Duration.ofNanos(5_000)), m.inferenceTime());

        RequestMetrics fresh = RequestMetrics.arrived(Instant.EPOCH);
        assertEquals(Optional.empty(), fresh.queuedTime());
        assertEquals(Optional.empty(), fresh.decodeTime());
        assertNull(fresh.toSnakeCaseMap().get("first_token_ts"));
        assertEquals(0, fresh.numGenerationTokens());

        // nanoTime readings may be negative or wrap; durations are differences
        RequestMetrics wrapped = new RequestMetrics(Instant.EPOCH, Long.MAX_VALUE - 5, Long.MIN_VALUE + 4, null, null,
                null, 0);
        assertEquals(Optional.of(Duration.ofNanos(10)), wrapped.queuedTime());
    }
}
