package dev.panllama.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.EngineObservability;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.ProfilingNotConfiguredException;
import dev.panllama.engine.profiling.ProfileResult;
import dev.panllama.engine.testing.TestModels;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfilingAndTracingTest {
    static final String PROMPT = "Once upon a time";

    static EngineArgs args() {
        return EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4).maxNumBatchedTokens(64).threads(1).build();
    }

    @Test
    void profileWritesAJfrRecordingAndAChromeTraceWithStepEvents(@TempDir Path dir) throws Exception {
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args(), EngineObservability.defaults().withProfileDirectory(dir))) {
            llm.startProfile("run");
            assertThrows(IllegalStateException.class, () -> llm.startProfile("again"));
            // queued while paused, so both are admitted in one step however loaded the machine is
            llm.pauseGeneration(dev.panllama.engine.PauseMode.KEEP, false).get();
            TrackedRequest a = TrackedRequest.start(llm, "a", PROMPT, 30);
            TrackedRequest b = TrackedRequest.start(llm, "b", "The dog", 30);
            llm.resumeGeneration().get();
            a.result();
            b.result();
            llm.waitForRequestsToDrain(java.time.Duration.ofSeconds(10)).get();
            ProfileResult result = llm.stopProfile();

            assertTrue(result.steps() >= 30, "steps recorded: " + result.steps());
            assertTrue(result.jfrRecording().getFileName().toString().startsWith("run-"));
            List<RecordedEvent> steps = new ArrayList<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(result.jfrRecording())) {
                if (e.getEventType().getName().equals("dev.panllama.EngineStep")) {
                    steps.add(e);
                }
            }
            assertEquals(result.steps(), steps.size());
            assertTrue(steps.stream().anyMatch(e -> e.getInt("decodeRequests") == 2), "both requests decoded together");

            JsonNode trace = new ObjectMapper().readTree(Files.readString(result.chromeTrace()));
            List<JsonNode> stepEvents = new ArrayList<>();
            int decodes = 0;
            int samples = 0;
            int detokenize = 0;
            for (JsonNode e : trace.get("traceEvents")) {
                String name = e.get("name").asText();
                if (e.get("ph").asText().equals("X")) {
                    assertTrue(e.get("ts").asDouble() >= 0 && e.get("dur").asDouble() >= 0, e.toString());
                }
                if (name.startsWith("step ")) {
                    stepEvents.add(e);
                }
                decodes += name.equals("decode") ? 1 : 0;
                samples += name.equals("sample") ? 1 : 0;
                detokenize += name.equals("detokenize") ? 1 : 0;
            }
            assertEquals(result.steps(), stepEvents.size());
            assertEquals(result.steps(), decodes);
            assertEquals(result.steps(), samples);
            assertTrue(detokenize > 0);
            JsonNode first = stepEvents.getFirst().get("args");
            assertTrue(first.get("prefill_tokens").asInt() > 0, first.toString());
            assertTrue(first.get("prefill_requests").isArray());
            int decodedTokens = 0;
            for (JsonNode e : stepEvents) {
                decodedTokens += e.get("args").get("decode_tokens").asInt();
            }
            assertTrue(decodedTokens >= 2 * 29 - 2, "decode tokens in the trace: " + decodedTokens);
            assertThrows(IllegalStateException.class, llm::stopProfile);
        }
    }

    @Test
    void profilingWithoutADirectoryIsATypedError() {
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args())) {
            assertThrows(ProfilingNotConfiguredException.class, () -> llm.startProfile(null));
        }
    }

    @Test
    void eachRequestGetsASpanParentedByItsTraceparent() throws Exception {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
            OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
            try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args(), EngineObservability.defaults().withOpenTelemetry(otel))) {
                assertTrue(llm.isTracingEnabled());
                String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
                String parentSpan = "00f067aa0ba902b7";
                GenerateOptions traced = GenerateOptions.defaults()
                        .withTraceHeaders(Map.of("traceparent", "00-" + traceId + "-" + parentSpan + "-01"));
                TrackedRequest.start(llm, "traced", PROMPT, TrackedRequest.greedy(12), traced).result();
                TrackedRequest.start(llm, "untraced", PROMPT, 7).result();
                llm.waitForRequestsToDrain(java.time.Duration.ofSeconds(10)).get();

                List<SpanData> spans = exporter.getFinishedSpanItems();
                assertEquals(2, spans.size());
                SpanData span = spans.stream().filter(s -> "traced".equals(
                        s.getAttributes().get(AttributeKey.stringKey("gen_ai.request.id")))).findFirst().orElseThrow();
                assertEquals("llm_request", span.getName());
                assertEquals(traceId, span.getTraceId());
                assertEquals(parentSpan, span.getParentSpanId());
                assertEquals(12L, span.getAttributes().get(AttributeKey.longKey("gen_ai.usage.completion_tokens")));
                assertEquals(12L, span.getAttributes().get(AttributeKey.longKey("gen_ai.request.max_tokens")));
                assertTrue(span.getAttributes().get(AttributeKey.longKey("gen_ai.usage.prompt_tokens")) > 0);
                assertTrue(span.getAttributes().get(AttributeKey.doubleKey("gen_ai.latency.time_to_first_token")) > 0);
                assertTrue(span.getEndEpochNanos() >= span.getStartEpochNanos());

                SpanData root = spans.stream().filter(s -> s != span).findFirst().orElseThrow();
                assertFalse(root.getParentSpanContext().isValid(), "no traceparent: a new trace");
                assertEquals(7L, root.getAttributes().get(AttributeKey.longKey("gen_ai.usage.completion_tokens")));
            }
        }
        try (AsyncLLM plain = AsyncLLM.fromEngineArgs(args())) {
            assertFalse(plain.isTracingEnabled());
        }
    }
}
