package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenTimelineTest {
    private static final long MS = 1_000_000;

    /** tokens 1..n, one every {@code stepMs} from {@code startMs}. */
    private static TokenTimeline steady(int n, long startMs, long stepMs) {
        long[] tokens = new long[n];
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i + 1;
            nanos[i] = (startMs + i * stepMs) * MS;
        }
        return new TokenTimeline(tokens, nanos);
    }

    @Test
    void singleStreamRateCountsTokensAfterTheFirst() {
        // 11 tokens, 10 ms apart: 10 decode steps in 100 ms
        assertEquals(100.0, TokenTimeline.aggregateRate(List.of(steady(11, 0, 10))), 1e-9);
    }

    @Test
    void streamsThatStartLateAreCountedOnlyWhileAllDecode() {
        // the first stream runs alone at 200 tok/s for 50 ms before the second joins; together both run at 100 tok/s
        long[] tokens = new long[16];
        long[] nanos = new long[16];
        for (int i = 0; i < 16; i++) {
            tokens[i] = i + 1;
            nanos[i] = (i <= 10 ? i * 5 : 50 + (i - 10) * 10) * MS;
        }
        TokenTimeline early = new TokenTimeline(tokens, nanos);
        TokenTimeline late = steady(6, 50, 10);
        assertEquals(200.0, TokenTimeline.aggregateRate(List.of(early, late)), 1e-9);
    }

    @Test
    void mergedOutputsStillGiveTheRateBetweenTheirPoints() {
        TokenTimeline merged = new TokenTimeline(new long[] {1, 5, 21}, new long[] {0, 40 * MS, 200 * MS});
        assertEquals(100.0, merged.rateWithin(0, 200 * MS), 1e-9);
    }
}
