package dev.panllama.engine.profiling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.panllama.engine.metrics.SchedulerStats;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Builds a Chrome trace-event file: per step a complete event ("ph":"X") on the engine thread's track with its
 * batch composition, nested decode and sampling events, and the output thread's detokenization on its own track.
 * Timestamps are microseconds since the profile started.
 */
final class ChromeTraceWriter {
    private static final int PID = 1;
    private static final int ENGINE_TID = 1;
    private static final int OUTPUT_TID = 2;

    private final ObjectMapper json = new ObjectMapper();
    private final ObjectNode root = json.createObjectNode();
    private final ArrayNode events = root.putArray("traceEvents");
    private final long originNanos;

    ChromeTraceWriter(long originNanos) {
        this.originNanos = originNanos;
        root.put("displayTimeUnit", "ms");
        threadName(ENGINE_TID, "panllama-engine-core");
        threadName(OUTPUT_TID, "panllama-output");
    }

    private void threadName(int tid, String name) {
        ObjectNode e = events.addObject();
        e.put("name", "thread_name").put("ph", "M").put("pid", PID).put("tid", tid);
        e.putObject("args").put("name", name);
    }

    void step(SchedulerStats s) {
        ObjectNode e = complete("step " + s.step(), "engine", ENGINE_TID, s.startNanos(), s.stepNanos());
        ObjectNode args = e.putObject("args");
        args.put("step", s.step());
        args.put("prefill_tokens", s.prefillTokens());
        args.put("decode_tokens", s.decodeTokens());
        ArrayNode prefill = args.putArray("prefill_requests");
        s.prefillRequests().forEach(prefill::add);
        ArrayNode decode = args.putArray("decode_requests");
        s.decodeRequests().forEach(decode::add);
        args.put("running", s.running());
        args.put("waiting", s.waiting());
        args.put("kv_used_tokens", s.kvUsedTokens());
        args.put("kv_capacity", s.kvCapacity());
        // the runner decodes and then samples at the end of the step
        long runnerStart = s.startNanos() + s.stepNanos() - s.decodeNanos() - s.sampleNanos();
        complete("decode", "engine", ENGINE_TID, runnerStart, s.decodeNanos());
        complete("sample", "engine", ENGINE_TID, runnerStart + s.decodeNanos(), s.sampleNanos());
    }

    void detokenization(long step, long startNanos, long nanos) {
        complete("detokenize", "output", OUTPUT_TID, startNanos, nanos).putObject("args").put("step", step);
    }

    private ObjectNode complete(String name, String category, int tid, long startNanos, long nanos) {
        ObjectNode e = events.addObject();
        e.put("name", name).put("cat", category).put("ph", "X").put("pid", PID).put("tid", tid);
        e.put("ts", (startNanos - originNanos) / 1000.0);
        e.put("dur", Math.max(0, nanos) / 1000.0);
        return e;
    }

    void write(Path file) throws IOException {
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
