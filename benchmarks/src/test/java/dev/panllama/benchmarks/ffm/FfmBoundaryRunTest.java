package dev.panllama.benchmarks.ffm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FfmBoundaryRunTest {

    @Test
    void eachCrossingIsShownAsAShareOfOneDecodedToken() {
        Map<String, Double> nanos = new LinkedHashMap<>();
        nanos.put("decodeOneToken", 200_000.0);
        nanos.put("sampleGreedy", 2_000.0);
        nanos.put("downcallRoundTrip", 50.0);
        String md = FfmBoundaryRun.markdown(nanos, 1);
        assertTrue(md.contains("| decodeOneToken | 200000 |  |"), md);
        assertTrue(md.contains("| sampleGreedy | 2000 | 1.00% |"), md);
        assertTrue(md.contains("| downcallRoundTrip | 50 | 0.03% |"), md);
        assertTrue(md.contains("three times") && md.contains("0.075%"), md);
    }
}
