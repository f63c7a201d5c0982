package dev.panllama.engine.metrics;

import dev.panllama.engine.FinishReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The engine's meters, named after vLLM's Prometheus list with the {@code panllama_} prefix. Under the Prometheus
 * registry counters gain {@code _total} and timers {@code _seconds} (with {@code _bucket}, {@code _sum},
 * {@code _count}); every series carries {@code model_name} and {@code engine}. Gauges follow the latest state,
 * so they read 0 once every request has ended or was aborted.
 */
public final class MicrometerStatLogger implements StatLogger {
    static final String PREFIX = "panllama_";
    private static final Duration[] LATENCY_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25,
            0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0);
    private static final double[] TOKEN_BUCKETS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
            20000, 50000, 100000};
    private static final String[] SLEEP_STATES = {"awake", "weights_offloaded", "discard_all"};

    private final AtomicLong running = new AtomicLong();
    private final AtomicLong waiting = new AtomicLong();
    private final AtomicLong kvUsedTokens = new AtomicLong();
    private final AtomicLong kvCapacity = new AtomicLong();
    private final AtomicLong sleepLevel = new AtomicLong(-1);
    private long lastPreemptions;

    private final Counter preemptions;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Counter prefixCacheQueries;
    private final Counter prefixCacheHits;
    private final Map<FinishReason, Counter> success = new EnumMap<>(FinishReason.class);
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer e2eLatency;
    private final Timer timePerOutputToken;
    private final Timer queueTime;
    private final Timer inferenceTime;
    private final Timer prefillTime;
    private final Timer decodeTime;
    private final DistributionSummary requestPromptTokens;
    private final DistributionSummary requestGenerationTokens;
    private final DistributionSummary iterationTokens;
    private final DistributionSummary paramsN;
    private final DistributionSummary paramsMaxTokens;

    public MicrometerStatLogger(MeterRegistry registry, String modelName) {
        Tags tags = Tags.of("model_name", modelName, "engine", "0");
        Gauge.builder(PREFIX + "num_requests_running", running, AtomicLong::get)
                .description("Requests in the running set").tags(tags).register(registry);
        Gauge.builder(PREFIX + "num_requests_waiting", waiting, AtomicLong::get)
                .description("Requests waiting to be scheduled").tags(tags).register(registry);
        Gauge.builder(PREFIX + "kv_cache_usage_perc", this, MicrometerStatLogger::kvUsage)
                .description("KV cache usage, 1 means 100 percent").tags(tags).register(registry);
        for (int i = 0; i < SLEEP_STATES.length; i++) {
            int state = i;
            Gauge.builder(PREFIX + "engine_sleep_state", sleepLevel, level -> sleepSeries(level.get(), state))
                    .description("1 for the engine's current sleep state").tags(tags.and("sleep_state", SLEEP_STATES[i]))
                    .register(registry);
        }
        Function<String, Counter.Builder> counter = name -> Counter.builder(PREFIX + name).tags(tags);
        preemptions = counter.apply("num_preemptions").description("Preemptions").register(registry);
        promptTokens = counter.apply("prompt_tokens").description("Prompt tokens processed").register(registry);
        generationTokens = counter.apply("generation_tokens").description("Tokens generated").register(registry);
        prefixCacheQueries = counter.apply("prefix_cache_queries").description("Prompt tokens looked up in the prefix cache")
                .register(registry);
        prefixCacheHits = counter.apply("prefix_cache_hits").description("Prompt tokens found in the prefix cache")
                .register(registry);
        for (FinishReason reason : FinishReason.values()) {
            success.put(reason, counter.apply("request_success").tag("finished_reason", reason.wireName())
                    .description("Finished requests by finish reason").register(registry));
        }
        Function<String, Timer> timer = name -> Timer.builder(PREFIX + name).tags(tags)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        timeToFirstToken = timer.apply("time_to_first_token");
        interTokenLatency = timer.apply("inter_token_latency");
        e2eLatency = timer.apply("e2e_request_latency");
        timePerOutputToken = timer.apply("request_time_per_output_token");
        queueTime = timer.apply("request_queue_time");
        inferenceTime = timer.apply("request_inference_time");
        prefillTime = timer.apply("request_prefill_time");
        decodeTime = timer.apply("request_decode_time");
        Function<String, DistributionSummary> tokens = name -> DistributionSummary.builder(PREFIX + name).tags(tags)
                .serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
        requestPromptTokens = tokens.apply("request_prompt_tokens");
        requestGenerationTokens = tokens.apply("request_generation_tokens");
        iterationTokens = tokens.apply("iteration_tokens");
        paramsN = tokens.apply("request_params_n");
        paramsMaxTokens = tokens.apply("request_params_max_tokens");
    }

    private static double sleepSeries(long level, int state) {
        return switch (state) {
            case 0 -> level < 0 ? 1 : 0;
            case 1 -> level == 1 ? 1 : 0;
            default -> level == 2 ? 1 : 0;
        };
    }

    private double kvUsage() {
        long capacity = kvCapacity.get();
        return capacity == 0 ? 0 : kvUsedTokens.get() / (double) capacity;
    }

    @Override
    public void recordStep(SchedulerStats stats) {
        running.set(stats.running());
        waiting.set(stats.waiting());
        kvUsedTokens.set(stats.kvUsedTokens());
        kvCapacity.set(stats.kvCapacity());
        synchronized (this) {
            long delta = stats.preemptions() - lastPreemptions;
            if (delta > 0) {
                preemptions.increment(delta);
            }
            lastPreemptions = Math.max(lastPreemptions, stats.preemptions());
        }
        if (stats.isStep()) {
            promptTokens.increment(stats.prefillTokens());
            prefixCacheQueries.increment(stats.prefixCacheQueries());
            prefixCacheHits.increment(stats.prefixCacheHits());
            iterationTokens.record(stats.prefillTokens() + stats.decodeTokens());
        }
    }

    @Override
    public void recordTokens(int newTokens, Duration timeToFirstToken, Duration interTokenLatency) {
        generationTokens.increment(newTokens);
        if (timeToFirstToken != null) {
            this.timeToFirstToken.record(timeToFirstToken);
        }
        if (interTokenLatency != null) {
            this.interTokenLatency.record(interTokenLatency);
        }
    }

    @Override
    public void recordFinished(FinishedRequestStats r) {
        success.get(r.finishReason()).increment();
        e2eLatency.record(r.e2eLatency());
        Duration tpot = r.timePerOutputToken();
        if (tpot != null) {
            timePerOutputToken.record(tpot);
        }
        r.metrics().queuedTime().ifPresent(queueTime::record);
        r.metrics().inferenceTime().ifPresent(inferenceTime::record);
        r.metrics().prefillTime().ifPresent(prefillTime::record);
        r.metrics().decodeTime().ifPresent(decodeTime::record);
        requestPromptTokens.record(r.promptTokens());
        requestGenerationTokens.record(r.generationTokens());
        paramsN.record(r.params().n());
        if (r.params().maxTokens() != null) {
            paramsMaxTokens.record(r.params().maxTokens());
        }
    }

    @Override
    public void recordSleepState(int level) {
        sleepLevel.set(level);
    }

    private static Duration[] seconds(double... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return d;
    }
}
