package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stop strings through the output path: the text ends at the first match (or just after it when included), the
 * engine stops the request, and no streamed item ever shows text that a later token turned into a stop.
 */
class AsyncLLMStopStringTest {
    private static final Prompt PROMPT = Prompt.text("Once upon a time");
    static AsyncLLM llm;
    /** The greedy text without stop strings, and a stop string taken from its middle (spanning a token boundary). */
    static String fullText;
    static String stop;

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4).build());
        try (RequestStream stream = llm.generate(PROMPT, EngineTesting.greedy(48).build(), "full")) {
            fullText = stream.finalOutput().outputs().getFirst().text();
        }
        assertTrue(fullText.length() > 40, "the greedy text is long enough to cut: " + fullText);
        stop = fullText.substring(fullText.length() / 2, fullText.length() / 2 + 5);
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @ParameterizedTest
    @CsvSource({"DELTA,false", "DELTA,true", "CUMULATIVE,false", "CUMULATIVE,true", "FINAL_ONLY,false"})
    void textEndsAtTheFirstStopStringAndNoItemShowsBeyondIt(RequestOutputKind kind, boolean include) throws Exception {
        int at = fullText.indexOf(stop);
        String expected = fullText.substring(0, include ? at + stop.length() : at);
        SamplingParams params = EngineTesting.greedy(48).stop(stop).includeStopStrInOutput(include).outputKind(kind)
                .build();
        EngineTesting.Collector seen = new EngineTesting.Collector(kind);
        try (RequestStream stream = llm.generate(PROMPT, params, "stop-" + kind + "-" + include)) {
            while (stream.hasNext()) {
                seen.accept(stream.next());
                String shown = seen.result().text().getOrDefault(0, "");
                assertTrue(expected.startsWith(shown), "shown so far \"" + shown + "\" is a prefix of \"" + expected + "\"");
            }
        }
        EngineTesting.Collected c = seen.result();
        assertEquals(expected, c.text().get(0));
        assertEquals(FinishReason.STOP, c.finishReason(0));
        assertEquals(stop, c.lastCompletion().get(0).stopReason());
        assertEquals(1, c.finished());
        assertTrue(c.tokens(0).size() < 48, "the engine stopped generating at the stop string");
        EngineTesting.assertIdle(llm);
    }
}
