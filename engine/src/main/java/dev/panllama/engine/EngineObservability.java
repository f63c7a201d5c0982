package dev.panllama.engine;

import dev.panllama.engine.metrics.StatLogger;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import java.util.List;

/**
 * How an engine reports on itself: metrics, console stats, custom stat loggers, tracing and profiling.
 *
 * @param meterRegistry    where the {@code panllama_*} meters go; null = a Prometheus registry of the engine's
 *                         own, which {@link AsyncLLM#scrapePrometheus()} renders
 * @param logStats         whether {@link AsyncLLM#doLogStats()} writes the one-line console summary
 * @param statLoggers      custom loggers, called before the console logger and the meters
 * @param openTelemetry    the OpenTelemetry whose tracer gets one span per request; null = tracing off (an
 *                         application that exports to OTLP builds its SDK with that exporter and passes it here)
 * @param profileDirectory where {@code startProfile}/{@code stopProfile} write; null = profiling off
 */
public record EngineObservability(MeterRegistry meterRegistry, boolean logStats, List<StatLogger> statLoggers,
                                  OpenTelemetry openTelemetry, Path profileDirectory) {

    public EngineObservability {
        statLoggers = statLoggers == null ? List.of() : List.copyOf(statLoggers);
    }

    public static EngineObservability defaults() {
        return new EngineObservability(null, true, List.of(), null, null);
    }

    public EngineObservability withMeterRegistry(MeterRegistry registry) {
        return new EngineObservability(registry, logStats, statLoggers, openTelemetry, profileDirectory);
    }

    public EngineObservability withLogStats(boolean enabled) {
        return new EngineObservability(meterRegistry, enabled, statLoggers, openTelemetry, profileDirectory);
    }

    public EngineObservability withStatLoggers(List<StatLogger> loggers) {
        return new EngineObservability(meterRegistry, logStats, loggers, openTelemetry, profileDirectory);
    }

    public EngineObservability withOpenTelemetry(OpenTelemetry otel) {
        return new EngineObservability(meterRegistry, logStats, statLoggers, otel, profileDirectory);
    }

    public EngineObservability withProfileDirectory(Path directory) {
        return new EngineObservability(meterRegistry, logStats, statLoggers, openTelemetry, directory);
    }
}
