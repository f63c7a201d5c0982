package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawBatchedLoopTest {
    private static final Workload FOUR_STREAMS = new Workload(BenchModels.STORIES_260K, 2, 8, 12, List.of(2, 4));

    @Test
    void timesEveryGenerationStepInEachKvLayout() {
        for (boolean unified : new boolean[] {false, true}) {
            try (RawBatchedLoop loop = RawBatchedLoop.open(TestModels.stories260K(), FOUR_STREAMS, 1, false, unified, false)) {
                NativeLoopSteps run = loop.run(4);
                assertEquals(RawBatchedLoop.LOOP, run.loop());
                assertEquals(4, run.streams());
                assertEquals(12, run.steps(), "one timed step per generated token");
                assertTrue(run.tokensPerSecond() > 0 && Double.isFinite(run.tokensPerSecond()), "tok/s: " + run.tokensPerSecond());
                assertTrue(run.medianCallMicros() > 0 && run.medianCallMicros() <= run.medianStepMicros(),
                        "the decode call is part of its step: " + run);
                assertTrue(run.graphReuse() >= 0 && run.graphReuse() <= 1, run.toString());
            }
        }
    }

    @Test
    void picksInTheGraphAreReadBackEveryStep() {
        try (RawBatchedLoop loop = RawBatchedLoop.open(TestModels.stories260K(), FOUR_STREAMS, 1, false, false, true)) {
            NativeLoopSteps narrow = loop.run(2);
            NativeLoopSteps wide = loop.run(4);
            assertEquals(RawBatchedLoop.LOOP_WITH_PICKS, wide.loop());
            assertEquals(2, narrow.streams());
            assertEquals(12, wide.steps());
            // from the second step on the graph of one token per sequence is the same: llama.cpp reuses it
            assertTrue(wide.graphReuse() > 0.5, "graph reuse: " + wide.graphReuse());
        }
    }

    @Test
    void byDefaultPicksWhereTheEngineDoes() {
        // the engine picks in the graph only when offloading: without a GPU its default is the host's pick
        try (RawBatchedLoop loop = RawBatchedLoop.open(TestModels.stories260K(), FOUR_STREAMS, 1, false, false, null)) {
            assertEquals(RawBatchedLoop.LOOP, loop.run(2).loop());
        }
    }

    @Test
    void moreStreamsThanTheContextHoldsAreRefused() {
        try (RawBatchedLoop loop = RawBatchedLoop.open(TestModels.stories260K(), FOUR_STREAMS, 1, false, false, false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loop.run(5));
            assertTrue(e.getMessage().contains("1..4"), e.getMessage());
        }
    }
}
