package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.core.EngineSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** What the engine acceptance tests share: reading a stream to its end, and checking that nothing leaked. */
final class EngineTesting {
    private EngineTesting() {}

    /** Greedy, EOS ignored, exactly {@code maxTokens} tokens unless aborted. */
    static SamplingParams.Builder greedy(int maxTokens) {
        return SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(maxTokens);
    }

    /** Long-running sampled requests to abort or to decode beside others. */
    static SamplingParams.Builder endless(RequestOutputKind kind) {
        return SamplingParams.builder().temperature(0.8).seed(1L).ignoreEos(true).maxTokens(1000).outputKind(kind);
    }

    /**
     * Everything a stream delivered, by completion index: DELTA pieces are concatenated, other kinds keep the
     * newest (which holds everything so far).
     *
     * @param outputs  how many items the stream delivered
     * @param finished how many of them had {@code finished == true}
     * @param last     the last item (the finished one, if the stream ended normally)
     */
    record Collected(int outputs, int finished, RequestOutput last, Map<Integer, List<Integer>> tokens,
                     Map<Integer, String> text, Map<Integer, CompletionOutput> lastCompletion) {

        List<Integer> tokens(int index) {
            return tokens.getOrDefault(index, List.of());
        }

        FinishReason finishReason(int index) {
            return lastCompletion.get(index).finishReason();
        }
    }

    /** Accumulates outputs as they arrive; {@link #collect(RequestStream, RequestOutputKind)} uses it to the end. */
    static final class Collector {
        private final RequestOutputKind kind;
        private final Map<Integer, List<Integer>> tokens = new TreeMap<>();
        private final Map<Integer, String> text = new TreeMap<>();
        private final Map<Integer, CompletionOutput> lastCompletion = new HashMap<>();
        private int outputs;
        private int finished;
        private RequestOutput last;

        Collector(RequestOutputKind kind) {
            this.kind = kind;
        }

        void accept(RequestOutput out) {
            outputs++;
            if (out.finished()) {
                finished++;
            }
            last = out;
            for (CompletionOutput c : out.outputs()) {
                if (kind == RequestOutputKind.DELTA) {
                    tokens.computeIfAbsent(c.index(), i -> new ArrayList<>()).addAll(c.tokenIds());
                    text.merge(c.index(), c.text(), String::concat);
                } else {
                    tokens.put(c.index(), new ArrayList<>(c.tokenIds()));
                    text.put(c.index(), c.text());
                }
                lastCompletion.put(c.index(), c);
            }
        }

        int tokenCount(int index) {
            return tokens.getOrDefault(index, List.of()).size();
        }

        Collected result() {
            return new Collected(outputs, finished, last, Map.copyOf(tokens), Map.copyOf(text), Map.copyOf(lastCompletion));
        }
    }

    /** Reads the stream to its end. */
    static Collected collect(RequestStream stream, RequestOutputKind kind) {
        Collector collector = new Collector(kind);
        while (stream.hasNext()) {
            collector.accept(stream.next());
        }
        return collector.result();
    }

    /**
     * Reads the stream to its end and checks that it ran to its length limit: exactly {@code tokens} tokens,
     * finish reason length, one finished output and it is the last.
     */
    static Collected assertRanToLength(RequestStream stream, RequestOutputKind kind, int tokens) {
        Collected c = collect(stream, kind);
        assertEquals(tokens, c.tokens(0).size(), "tokens of " + stream.requestId());
        assertEquals(FinishReason.LENGTH, c.finishReason(0), "finish reason of " + stream.requestId());
        assertEquals(1, c.finished(), "finished outputs of " + stream.requestId());
        assertTrue(c.last().finished());
        return c;
    }

    /** Generates and reads to the end; returns completion 0's token ids. */
    static List<Integer> run(AsyncLLM llm, Prompt prompt, SamplingParams params, String id) {
        try (RequestStream stream = llm.generate(prompt, params, id)) {
            return collect(stream, params.outputKind()).tokens(0);
        }
    }

    /**
     * Waits until the engine has no request, busy slot, used KV cell or live sampler, and the output side holds
     * no request state: everything went back to the pool. An abort reaches the engine thread asynchronously, so
     * this polls for a while before it asserts.
     */
    static void assertIdle(AsyncLLM llm) throws Exception {
        EngineSnapshot s = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            s = llm.engineSnapshot().get(10, TimeUnit.SECONDS);
            if (s.running() == 0 && s.waiting() == 0 && s.busySlots() == 0 && s.kvUsedTokens() == 0
                    && s.activeSamplers() == 0 && llm.liveRequestCount() == 0) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(0, s.running(), "running");
        assertEquals(0, s.waiting(), "waiting");
        assertEquals(0, s.busySlots(), "busy sequence slots");
        assertEquals(0, s.kvUsedTokens(), "used KV cells");
        assertEquals(0, s.activeSamplers(), "live samplers");
        assertEquals(0, llm.liveRequestCount(), "request states on the output side");
        assertFalse(llm.errored());
    }
}
