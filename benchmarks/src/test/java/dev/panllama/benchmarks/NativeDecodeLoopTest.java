package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeDecodeLoopTest {
    @TempDir
    static Path dir;
    private static NativeDecodeLoop loop;

    @BeforeAll
    static void compile() throws Exception {
        Path log = dir.resolve("tools.log");
        loop = NativeDecodeLoop.build(ReferenceTools.ensureBuilt(RepoLayout.locate(), log).binDir(), log);
    }

    @Test
    void theTgLoopTimesEveryTokenOfEveryRun() throws Exception {
        NativeLoopSteps tg = loop.singleStream(TestModels.stories260K(), 16, 1, false, 2);

        assertEquals("tg", tg.loop());
        assertEquals(1, tg.streams());
        assertEquals(32, tg.steps(), "16 tokens in each of 2 timed runs");
        assertTrue(tg.tokensPerSecond() > 0 && tg.medianStepMicros() > 0 && tg.meanStepMicros() > 0, tg.toString());
        assertTrue(tg.graphReuse() > 0.5, "a one-token loop reuses its graph: " + tg);
    }

    @Test
    void aRunsRateIsItsTokensOverItsStepsTime() throws Exception {
        // One run, so the rate and the mean step see the same steps: with two, the rate is the mean of two runs' rates,
        // which one slow step in one run pulls apart from the mean step time of both.
        NativeLoopSteps tg = loop.singleStream(TestModels.stories260K(), 16, 1, false, 1);

        double fromSteps = 1e6 / tg.meanStepMicros();
        assertTrue(Math.abs(tg.tokensPerSecond() - fromSteps) < 0.3 * fromSteps, tg + " vs " + fromSteps + " tok/s from its steps");
    }

    @Test
    void theBatchedLoopReportsEachStreamCountsGenerationSteps() throws Exception {
        for (int variant = 0; variant < 3; variant++) {
            boolean unifiedKv = variant == 1;
            boolean backendSamplers = variant == 2; // picks in the graph, as a panllama GPU engine makes them
            Map<Integer, NativeLoopSteps> byStreams = loop.batched(TestModels.stories260K(),
                    new Workload("stories260K", 8, 4, 6, List.of(1, 3)), 1, false, unifiedKv, backendSamplers);

            assertEquals(List.of(1, 3), List.copyOf(byStreams.keySet()));
            for (NativeLoopSteps steps : byStreams.values()) {
                assertEquals(backendSamplers ? NativeLoopSteps.BATCHED_WITH_PICKS : "batched", steps.loop());
                assertEquals(6, steps.steps(), "one step per generated token: " + steps);
                double fromSteps = steps.streams() * 1e6 / steps.meanStepMicros();
                assertTrue(Math.abs(steps.tokensPerSecond() - fromSteps) < 0.3 * fromSteps, steps + " vs " + fromSteps);
                assertTrue(steps.medianCallMicros() > 0 && steps.medianCallMicros() <= steps.medianStepMicros(),
                        "llama_decode's call is part of its step: " + steps);
            }
        }
    }

    @Test
    void aModelLlamaCppCannotLoadFailsNamingTheLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> loop.singleStream(dir.resolve("missing.gguf"), 4, 1, false, 1));
        assertTrue(e.getMessage().contains("tools.log") && e.getMessage().contains("exited with 1"), e.getMessage());
    }
}
