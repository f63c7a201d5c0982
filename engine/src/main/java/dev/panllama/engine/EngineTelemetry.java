package dev.panllama.engine;

import dev.panllama.engine.metrics.LoggingStatLogger;
import dev.panllama.engine.metrics.MicrometerStatLogger;
import dev.panllama.engine.metrics.StatLogger;
import dev.panllama.engine.metrics.StatLoggerManager;
import dev.panllama.engine.profiling.EngineProfiler;
import dev.panllama.engine.tracing.RequestTracer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The stat loggers, meters, profiler and tracer of one engine, assembled from its {@link EngineObservability}. */
final class EngineTelemetry {
    final MeterRegistry registry;
    final LoggingStatLogger console;
    final EngineProfiler profiler;
    final RequestTracer tracer;
    final StatLoggerManager loggers;

    EngineTelemetry(EngineObservability o, String modelName) {
        registry = o.meterRegistry() != null ? o.meterRegistry() : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<StatLogger> all = new ArrayList<>(o.statLoggers());
        console = o.logStats() ? new LoggingStatLogger() : null;
        if (console != null) {
            all.add(console);
        }
        all.add(new MicrometerStatLogger(registry, modelName));
        profiler = new EngineProfiler(o.profileDirectory());
        all.add(profiler);
        tracer = o.openTelemetry() != null ? new RequestTracer(o.openTelemetry(), modelName) : null;
        if (tracer != null) {
            all.add(tracer);
        }
        loggers = new StatLoggerManager(all);
    }

    void registerTrace(List<String> internalIds, Map<String, String> traceHeaders) {
        if (tracer != null) {
            tracer.register(internalIds, traceHeaders);
        }
    }

    String scrapePrometheus() {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            return prometheus.scrape();
        }
        throw new IllegalStateException("the engine's meters go to a " + registry.getClass().getSimpleName()
                + ", not a Prometheus registry: scrape that registry's own endpoint");
    }
}
