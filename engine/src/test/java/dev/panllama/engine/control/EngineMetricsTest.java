package dev.panllama.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.EngineObservability;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.metrics.FinishedRequestStats;
import dev.panllama.engine.metrics.SchedulerStats;
import dev.panllama.engine.metrics.StatLogger;
import dev.panllama.engine.testing.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {
    static final String PROMPT = "Once upon a time";
    static final Recorder custom = new Recorder();
    static AsyncLLM llm;

    /** A custom stat logger: what it saw must agree with the meters. */
    static final class Recorder implements StatLogger {
        final AtomicInteger tokens = new AtomicInteger();
        final AtomicInteger firstTokens = new AtomicInteger();
        final List<FinishedRequestStats> finished = new CopyOnWriteArrayList<>();
        final List<SchedulerStats> steps = new CopyOnWriteArrayList<>();

        @Override
        public void recordStep(SchedulerStats stats) {
            steps.add(stats);
        }

        @Override
        public void recordTokens(int newTokens, Duration ttft, Duration itl) {
            tokens.addAndGet(newTokens);
            if (ttft != null) {
                firstTokens.incrementAndGet();
            }
        }

        @Override
        public void recordFinished(FinishedRequestStats request) {
            finished.add(request);
        }
    }

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4)
                .maxNumBatchedTokens(64).threads(1).build(), EngineObservability.defaults().withStatLoggers(List.of(custom)));
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @Test
    void prometheusTextHasVllmNamesTypesAndValuesAndGaugesReturnToZero() throws Exception {
        llm.waitForRequestsToDrain(Duration.ofSeconds(30)).get();
        int finishedBefore = custom.finished.size();
        int tokensBefore = custom.tokens.get();
        int firstTokensBefore = custom.firstTokens.get();
        PrometheusText before = PrometheusText.parse(llm.scrapePrometheus());
        List<TrackedRequest> requests = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            requests.add(TrackedRequest.start(llm, "long-" + i, PROMPT, 400));
        }
        requests.getFirst().awaitTokens(2);
        for (TrackedRequest r : requests) {
            r.awaitTokens(1); // every prompt prefilled before the aborts, so each one's prompt tokens are counted below
        }
        PrometheusText busy = PrometheusText.parse(llm.scrapePrometheus());
        assertTrue(busy.value("panllama_num_requests_running") + busy.value("panllama_num_requests_waiting") > 0);
        assertTrue(busy.value("panllama_kv_cache_usage_perc") > 0);
        llm.abort("long-0", "long-1", "long-2");
        TrackedRequest finishing = TrackedRequest.start(llm, "short", PROMPT, 12);
        assertEquals(FinishReason.LENGTH, finishing.finishReason());
        for (TrackedRequest r : requests) {
            assertEquals(FinishReason.ABORT, r.finishReason());
        }
        llm.waitForRequestsToDrain(Duration.ofSeconds(10)).get();

        PrometheusText p = PrometheusText.parse(llm.scrapePrometheus());
        for (String gauge : List.of("num_requests_running", "num_requests_waiting", "kv_cache_usage_perc", "engine_sleep_state")) {
            assertEquals("gauge", p.types().get("panllama_" + gauge), gauge);
        }
        assertEquals(0.0, p.value("panllama_num_requests_running"));
        assertEquals(0.0, p.value("panllama_num_requests_waiting"));
        assertEquals(0.0, p.value("panllama_kv_cache_usage_perc"));
        assertEquals(1.0, p.value("panllama_engine_sleep_state", "sleep_state=\"awake\""));

        for (String counter : List.of("prompt_tokens", "generation_tokens", "request_success", "num_preemptions")) {
            // the text format names a counter family with its _total suffix
            assertEquals("counter", p.types().get("panllama_" + counter + "_total"), counter);
            assertTrue(p.samples().keySet().stream().anyMatch(s -> s.startsWith("panllama_" + counter + "_total{")), counter);
        }
        String abort = "finished_reason=\"abort\"";
        String length = "finished_reason=\"length\"";
        assertEquals(3.0, p.value("panllama_request_success_total", abort) - before.value("panllama_request_success_total", abort));
        assertEquals(1.0, p.value("panllama_request_success_total", length) - before.value("panllama_request_success_total", length));
        assertEquals(custom.tokens.get(), p.value("panllama_generation_tokens_total"), "the custom logger saw every token");
        // a prompt admitted after another one's blocks were cached computes only what the prefix cache lacks
        double computed = p.value("panllama_prompt_tokens_total") - before.value("panllama_prompt_tokens_total");
        double cached = p.value("panllama_prefix_cache_hits_total") - before.value("panllama_prefix_cache_hits_total");
        assertTrue(computed + cached >= 4 * 4, "four prompts were computed or found cached: " + computed + " + " + cached);

        for (String histogram : List.of("time_to_first_token_seconds", "inter_token_latency_seconds",
                "e2e_request_latency_seconds", "request_queue_time_seconds", "request_prefill_time_seconds",
                "request_decode_time_seconds", "request_inference_time_seconds", "request_time_per_output_token_seconds",
                "request_prompt_tokens", "request_generation_tokens", "iteration_tokens", "request_params_n")) {
            assertEquals("histogram", p.types().get("panllama_" + histogram), histogram);
            assertTrue(p.samples().keySet().stream().anyMatch(s -> s.startsWith("panllama_" + histogram + "_bucket{")), histogram);
        }
        assertEquals(4.0, delta(p, before, "panllama_e2e_request_latency_seconds_count"));
        assertEquals(custom.firstTokens.get() - firstTokensBefore, delta(p, before, "panllama_time_to_first_token_seconds_count"));
        int newTokens = custom.tokens.get() - tokensBefore;
        assertEquals(newTokens - (custom.firstTokens.get() - firstTokensBefore),
                delta(p, before, "panllama_inter_token_latency_seconds_count"));
        assertEquals(12.0 + requests.stream().mapToInt(r -> r.tokens.get()).sum(),
                delta(p, before, "panllama_request_generation_tokens_sum"));
        assertEquals(newTokens, delta(p, before, "panllama_request_generation_tokens_sum"));

        assertEquals(finishedBefore + 4, custom.finished.size());
        SchedulerStats last = custom.steps.getLast();
        assertEquals(0, last.running() + last.waiting() + last.kvUsedTokens());
    }

    private static double delta(PrometheusText after, PrometheusText before, String name) {
        return after.value(name) - before.value(name);
    }

    @Test
    void doLogStatsWritesOneLineSummary() throws Exception {
        TrackedRequest.start(llm, "logged", PROMPT, 20).result();
        String line = llm.doLogStats();
        assertTrue(line.startsWith("Engine 000: Avg prompt throughput: "), line);
        assertTrue(line.contains("Running: 0 reqs, Waiting: 0 reqs"), line);
        assertTrue(!line.contains("generation throughput: 0.0 tokens/s"), line);
        String idle = llm.doLogStats();
        assertTrue(idle.contains("Avg generation throughput: 0.0 tokens/s"), idle);
    }

    @Test
    void drainReturnsWhenIdleAndTimesOutWithATypedError() throws Exception {
        llm.waitForRequestsToDrain(Duration.ofSeconds(1)).get(2, TimeUnit.SECONDS);
        TrackedRequest running = TrackedRequest.start(llm, "draining", PROMPT, 150);
        llm.waitForRequestsToDrain(Duration.ofSeconds(30)).get();
        assertTrue(running.finishesSoon());

        TrackedRequest frozen = TrackedRequest.start(llm, "frozen", PROMPT, 300).awaitTokens(1);
        llm.pauseGeneration(dev.panllama.engine.PauseMode.KEEP, false).get();
        var timeout = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> llm.waitForRequestsToDrain(Duration.ofMillis(200)).get(5, TimeUnit.SECONDS));
        var typed = org.junit.jupiter.api.Assertions.assertInstanceOf(dev.panllama.engine.DrainTimeoutException.class, timeout.getCause());
        assertEquals(1, typed.remainingRequests());
        assertTrue(typed.getMessage().contains("waiting for requests to drain: 1 request(s) still running after 200 ms"),
                typed.getMessage());
        llm.resumeGeneration().get();
        assertEquals(FinishReason.LENGTH, frozen.finishReason());
    }
}
