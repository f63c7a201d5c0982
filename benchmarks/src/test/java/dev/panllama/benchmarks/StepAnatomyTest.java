package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.panllama.engine.core.StepStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepAnatomyTest {

    /** A step of {@code decoding} requests starting at {@code startMicros}, with its time split as given (µs). */
    private static StepStats step(long number, int decoding, int prefillTokens, long startMicros, long totalMicros,
                                  long decodeMicros, long sampleMicros) {
        return step(number, decoding, prefillTokens, startMicros, totalMicros, decodeMicros, sampleMicros, true);
    }

    private static StepStats step(long number, int decoding, int prefillTokens, long startMicros, long totalMicros,
                                  long decodeMicros, long sampleMicros, boolean graphReused) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < decoding; i++) {
            ids.add("r" + i);
        }
        return new StepStats(number, prefillTokens > 0 ? List.of("p") : List.of(), prefillTokens, ids, decoding, 0, 100, 1000,
                0, 0, 0, 0.0, totalMicros * 1000, startMicros * 1000, decodeMicros * 1000, sampleMicros * 1000, graphReused,
                decodeMicros * 500);
    }

    @Test
    void mediansCountOnlyStepsWhereEveryStreamDecodes() {
        List<StepStats> steps = List.of(
                step(1, 4, 512, 0, 5000, 4800, 100),   // prefill: not counted
                step(2, 4, 0, 5000, 1000, 800, 100),
                step(3, 4, 0, 6100, 1000, 800, 120),
                step(4, 4, 0, 7200, 1200, 900, 100),
                step(5, 3, 0, 8500, 900, 700, 90));    // a stream finished: not counted
        StepAnatomy a = StepAnatomy.of(4, steps);
        assertEquals(3, a.steps());
        assertEquals(800.0, a.decodeMicros());
        assertEquals(400.0, a.decodeCallMicros());
        assertEquals(100.0, a.sampleMicros());
        assertEquals(100.0, a.schedulingMicros()); // 1000-800-100, 1000-800-120=80, 1200-900-100=200 → 100
        assertEquals(1100.0, a.periodMicros());    // 6100-5000 and 7200-6100
        assertEquals(100.0, a.betweenMicros());
        assertEquals(1100.0, a.meanPeriodMicros());
        assertNull(a.model());
        assertEquals("m", a.forModel("m").model());
    }

    @Test
    void graphReuseIsTheShareOfCountedStepsOnThePreviousGraphAndTheMeanCountsStalls() {
        List<StepStats> steps = List.of(
                step(1, 2, 64, 0, 5000, 4800, 100, false),  // prefill: not counted
                step(2, 2, 0, 5000, 1000, 800, 100, false),
                step(3, 2, 0, 6000, 1000, 800, 100, true),
                step(4, 2, 0, 7000, 1000, 800, 100, true),
                step(5, 2, 0, 10000, 1000, 800, 100, true)); // after a 2 ms stall
        StepAnatomy a = StepAnatomy.of(2, steps);
        assertEquals(0.75, a.graphReuse());
        assertEquals(1000.0, a.periodMicros());
        assertEquals(5000.0 / 3, a.meanPeriodMicros(), 1e-9);
        assertEquals(1000.0, a.newGraphPeriodMicros()); // step 2 built one: 6000 - 5000
        assertEquals(5000.0, a.firstPrefillPeriodMicros()); // step 1, the prompt's
    }

    @Test
    void noAnatomyWithoutTwoCountedSteps() {
        assertNull(StepAnatomy.of(4, List.of(step(1, 4, 0, 0, 1000, 800, 100))));
        assertNull(StepAnatomy.of(2, List.of(step(1, 4, 0, 0, 1000, 800, 100), step(2, 4, 0, 1000, 1000, 800, 100))));
    }
}
