package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-request mailbox's merge rule (vLLM's RequestOutput.add), for consumers that lag behind the engine. */
class RequestOutputMergeTest {
    private static final List<Map<Integer, Logprob>> PROMPT_LOGPROBS =
            Arrays.asList(null, Map.of(5, new Logprob(-0.5f, 1, " a")));

    private static CompletionOutput running(int index, String text, List<Integer> ids) {
        return new CompletionOutput(index, text, ids, null, null, null, null);
    }

    private static CompletionOutput withLogprobs(int index, String text, int token, double cumulative) {
        return new CompletionOutput(index, text, List.of(token), cumulative,
                List.of(Map.of(token, new Logprob((float) cumulative, 1, text))), null, null);
    }

    private static RequestOutput output(boolean finished, CompletionOutput... completions) {
        return new RequestOutput("req-1", "Once upon", List.of(1, 2, 3), null, List.of(completions), finished,
                null, 0);
    }

    @Test
    void deltaSingleCompletionConcatenatesTextAndTokens() {
        RequestOutput first = new RequestOutput("req-1", "Once upon", List.of(1, 2, 3), PROMPT_LOGPROBS,
                List.of(running(0, "Hel", List.of(10))), false, null, 2);
        RequestOutput second = output(false, running(0, "lo", List.of(11, 12)));
        RequestOutput third = output(true, new CompletionOutput(0, "!", List.of(13), null, null,
                FinishReason.LENGTH, null));

        RequestOutput merged = first.merge(second, true).merge(third, true);

        assertEquals(1, merged.outputs().size());
        CompletionOutput c = merged.outputs().getFirst();
        assertEquals("Hello!", c.text());
        assertEquals(List.of(10, 11, 12, 13), c.tokenIds());
        assertEquals(FinishReason.LENGTH, c.finishReason());
        assertTrue(c.finished());
        assertTrue(merged.finished());
        // request-level fields are the first output's: DELTA sends prompt logprobs only once
        assertEquals(PROMPT_LOGPROBS, merged.promptLogprobs());
        assertEquals(2, merged.numCachedTokens());
        assertEquals("Once upon", merged.prompt());
        assertEquals(List.of(1, 2, 3), merged.promptTokenIds());
    }

    @Test
    void deltaConcatenatesLogprobsAndTakesTheNewestCumulativeLogprob() {
        RequestOutput merged = output(false, withLogprobs(0, "a", 7, -1.0))
                .merge(output(false, withLogprobs(0, "b", 8, -3.0)), true);
        CompletionOutput c = merged.outputs().getFirst();
        assertEquals(2, c.logprobs().size());
        assertEquals(Map.of(7, new Logprob(-1.0f, 1, "a")), c.logprobs().get(0));
        assertEquals(Map.of(8, new Logprob(-3.0f, 1, "b")), c.logprobs().get(1));
        assertEquals(-3.0, c.cumulativeLogprob());
    }

    @Test
    void deltaWithoutLogprobsKeepsThemNull() {
        RequestOutput merged = output(false, running(0, "a", List.of(1))).merge(output(false, running(0, "b",
                List.of(2))), true);
        assertNull(merged.outputs().getFirst().logprobs());
        assertNull(merged.outputs().getFirst().cumulativeLogprob());
    }

    @Test
    void deltaWithTwoCompletionsMergesByIndexNotPosition() {
        // n=2: each engine step carries only the completions that changed, in any order
        RequestOutput step1 = output(false, running(1, "B1", List.of(21)));
        RequestOutput step2 = output(false, running(0, "A1", List.of(11)), running(1, "B2", List.of(22)));
        RequestOutput step3 = output(false, running(0, "A2", List.of(12)));
        RequestOutput step4 = output(true, new CompletionOutput(1, "B3", List.of(23), null, null,
                FinishReason.STOP, 2), running(0, "A3", List.of(13)));

        RequestOutput merged = step1.merge(step2, true).merge(step3, true);
        assertEquals(2, merged.outputs().size());
        // the index that arrived first stays first: vLLM appends unknown indexes in arrival order
        assertEquals(1, merged.outputs().get(0).index());
        assertEquals("B1B2", merged.outputs().get(0).text());
        assertEquals(List.of(21, 22), merged.outputs().get(0).tokenIds());
        assertEquals(0, merged.outputs().get(1).index());
        assertEquals("A1A2", merged.outputs().get(1).text());
        assertEquals(List.of(11, 12), merged.outputs().get(1).tokenIds());
        assertFalse(merged.finished());

        merged = merged.merge(step4, true);
        assertEquals("B1B2B3", merged.outputs().get(0).text());
        assertEquals(FinishReason.STOP, merged.outputs().get(0).finishReason());
        assertEquals(2, merged.outputs().get(0).stopReason());
        assertEquals("A1A2A3", merged.outputs().get(1).text());
        assertNull(merged.outputs().get(1).finishReason());
        assertTrue(merged.finished());
    }

    @Test
    void oneChildFinishingDoesNotFinishTheRequest() {
        RequestOutput merged = output(false, running(0, "x", List.of(1)))
                .merge(output(false, new CompletionOutput(1, "y", List.of(2), null, null, FinishReason.STOP,
                        "\n")), true);
        assertFalse(merged.finished());
        assertFalse(merged.outputs().get(0).finished());
        assertTrue(merged.outputs().get(1).finished());
        assertEquals("\n", merged.outputs().get(1).stopReason());
    }

    @Test
    void finishReasonAndStopReasonComeFromTheNewestDelta() {
        RequestOutput merged = output(false, running(0, "Hello", List.of(1, 2)))
                .merge(output(true, new CompletionOutput(0, "", List.of(), null, null, FinishReason.ABORT, null)),
                        true);
        CompletionOutput c = merged.outputs().getFirst();
        assertEquals("Hello", c.text()); // an abort may carry no new tokens; earlier ones survive
        assertEquals(List.of(1, 2), c.tokenIds());
        assertEquals(FinishReason.ABORT, c.finishReason());
        assertNull(c.stopReason());
        assertTrue(merged.finished());
    }

    @Test
    void finishedIsOred() {
        assertTrue(output(true, running(0, "a", List.of(1))).merge(output(false), true).finished());
        assertTrue(output(false).merge(output(true), false).finished());
        assertFalse(output(false).merge(output(false), true).finished());
    }

    @Test
    void cumulativeReplacesEachCompletionByIndex() {
        CompletionOutput a1 = running(0, "Hel", List.of(10));
        CompletionOutput b1 = running(1, "Wor", List.of(20));
        CompletionOutput a2 = withLogprobs(0, "Hello", 11, -2.0);
        RequestOutput merged = output(false, a1, b1).merge(output(false, a2), false);

        assertEquals(List.of(a2, b1), merged.outputs());
        CompletionOutput b2 = new CompletionOutput(1, "World", List.of(20, 21), null, null, FinishReason.LENGTH,
                null);
        CompletionOutput c1 = running(2, "Yo", List.of(30));
        merged = merged.merge(output(true, b2, c1), false);
        assertEquals(List.of(a2, b2, c1), merged.outputs());
        assertTrue(merged.finished());
    }

    @Test
    void metricsTakeTheNewestSnapshot() {
        RequestMetrics early = RequestMetrics.arrived(Instant.ofEpochSecond(1_700_000_000L));
        RequestMetrics later = new RequestMetrics(early.arrivalTime(), 1L, 2L, 3L, 9L, null, 4);
        RequestOutput a = new RequestOutput("req-1", null, List.of(1), null, List.of(), false, early, 0);
        RequestOutput b = new RequestOutput("req-1", null, List.of(1), null, List.of(), false, later, 0);
        RequestOutput none = new RequestOutput("req-1", null, List.of(1), null, List.of(), false, null, 0);
        assertSame(later, a.merge(b, true).metrics());
        assertSame(later, b.merge(none, true).metrics());
    }

    @Test
    void mergingLeavesBothInputsUnchanged() {
        RequestOutput first = output(false, running(0, "a", List.of(1)));
        RequestOutput next = output(true, running(0, "b", List.of(2)));
        first.merge(next, true);
        assertEquals("a", first.outputs().getFirst().text());
        assertEquals("b", next.outputs().getFirst().text());
        assertFalse(first.finished());
    }

    @Test
    void outputsOfDifferentRequestsDoNotMerge() {
        RequestOutput other = new RequestOutput("req-2", null, List.of(), null, List.of(), true, null, 0);
        assertThrows(IllegalArgumentException.class, () -> output(false).merge(other, true));
    }
}
