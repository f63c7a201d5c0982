package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianTakesTheMiddleOrTheMeanOfTheMiddleTwo() {
        assertEquals(3.0, Stats.median(5, 1, 3));
        assertEquals(2.5, Stats.median(4, 1, 3, 2));
        assertTrue(Double.isNaN(Stats.median()));
    }

    @Test
    void percentileIsNearestRankAndLeavesItsInputAlone() {
        double[] values = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
        assertEquals(5.0, Stats.percentile(values, 50));
        assertEquals(9.0, Stats.percentile(values, 90));
        assertEquals(10.0, Stats.percentile(values, 99));
        assertEquals(1.0, Stats.percentile(values, 0));
        assertEquals(10.0, values[0]);
        assertTrue(Double.isNaN(Stats.percentile(new double[0], 50)));
    }
}
