package dev.panllama.engine.tracing;

import dev.panllama.engine.RequestMetrics;
import dev.panllama.engine.metrics.FinishedRequestStats;
import dev.panllama.engine.metrics.StatLogger;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@code llm_request} span per finished completion, as vLLM emits: it starts at the request's arrival, ends
 * when the request ends, is parented by the request's W3C {@code traceparent}/{@code tracestate} headers (a new
 * trace when there are none) and carries the GenAI attributes (token counts, sampling parameters, latencies).
 */
public final class RequestTracer implements StatLogger {
    static final String INSTRUMENTATION = "dev.panllama.engine";

    private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            String value = carrier.get(key);
            if (value == null) {
                // HTTP headers arrive in any case
                for (Map.Entry<String, String> e : carrier.entrySet()) {
                    if (e.getKey().toLowerCase(Locale.ROOT).equals(key)) {
                        return e.getValue();
                    }
                }
            }
            return value;
        }
    };

    private final Tracer tracer;
    private final String modelName;
    private final Map<String, Map<String, String>> headersByCompletion = new ConcurrentHashMap<>();

    public RequestTracer(OpenTelemetry openTelemetry, String modelName) {
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.modelName = modelName;
    }

    /** Remembers a request's trace headers until its completions finish. */
    public void register(List<String> internalIds, Map<String, String> traceHeaders) {
        for (String id : internalIds) {
            headersByCompletion.put(id, traceHeaders);
        }
    }

    @Override
    public void recordFinished(FinishedRequestStats r) {
        Map<String, String> headers = headersByCompletion.remove(r.internalId());
        if (headers == null) {
            return;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
        RequestMetrics m = r.metrics();
        Span span = tracer.spanBuilder("llm_request")
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(m.arrivalTime())
                .setAttribute("gen_ai.response.model", modelName)
                .setAttribute("gen_ai.request.id", r.requestId())
                .setAttribute("gen_ai.request.temperature", r.params().temperature())
                .setAttribute("gen_ai.request.top_p", r.params().topP())
                .setAttribute("gen_ai.request.n", r.params().n())
                .setAttribute("gen_ai.usage.prompt_tokens", r.promptTokens())
                .setAttribute("gen_ai.usage.completion_tokens", r.generationTokens())
                .setAttribute("gen_ai.response.finish_reasons", r.finishReason().wireName())
                .setAttribute("gen_ai.latency.e2e", seconds(r.e2eLatency()))
                .startSpan();
        if (r.params().maxTokens() != null) {
            span.setAttribute("gen_ai.request.max_tokens", r.params().maxTokens());
        }
        if (m.firstTokenLatency() != null) {
            span.setAttribute("gen_ai.latency.time_to_first_token", seconds(m.firstTokenLatency()));
        }
        m.queuedTime().ifPresent(d -> span.setAttribute("gen_ai.latency.time_in_queue", seconds(d)));
        m.prefillTime().ifPresent(d -> span.setAttribute("gen_ai.latency.time_in_model_prefill", seconds(d)));
        m.decodeTime().ifPresent(d -> span.setAttribute("gen_ai.latency.time_in_model_decode", seconds(d)));
        m.inferenceTime().ifPresent(d -> span.setAttribute("gen_ai.latency.time_in_model_inference", seconds(d)));
        span.end(r.finishedAt());
    }

    /** Completions registered and not finished yet. */
    public int pending() {
        return headersByCompletion.size();
    }

    /** The engine died: its requests will never finish. */
    public void clear() {
        headersByCompletion.clear();
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
