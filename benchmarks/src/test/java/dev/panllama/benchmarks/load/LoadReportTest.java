package dev.panllama.benchmarks.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadReportTest {
    @Test
    void percentilesAreNearestRank() {
        long[] nanos = new long[100];
        for (int i = 0; i < 100; i++) {
            nanos[i] = (i + 1) * 1_000_000L;
        }
        assertEquals(50.0, LoadReport.percentileMs(nanos, 50));
        assertEquals(99.0, LoadReport.percentileMs(nanos, 99));
        assertEquals(7.0, LoadReport.percentileMs(new long[] {7_000_000L}, 99));
        assertTrue(Double.isNaN(LoadReport.percentileMs(new long[0], 50)));
    }

    @Test
    void reportCountsOnlySuccessfulRequests() {
        List<LoadResult> results = List.of(new LoadResult(true, 1_000_000, 10_000_000, 10, null),
                new LoadResult(true, 3_000_000, 30_000_000, 30, null), LoadResult.failed(5_000_000, "HTTP 500"));
        LoadReport report = LoadReport.of("x", "http://127.0.0.1:1", 2, 32, results, 2.0);
        assertEquals(3, report.requests());
        assertEquals(1, report.errors());
        assertEquals(40, report.completionTokens());
        assertEquals(20.0, report.outputTokensPerSecond());
        assertEquals(1.0, report.requestsPerSecond());
        assertEquals(1.0, report.ttftP50Ms());
        assertTrue(report.markdown().contains("| x | 2 | 3 | 1 |"));
        assertEquals(List.of("HTTP 500"), report.errorKinds());
        assertTrue(report.markdown().contains("Errors seen: HTTP 500"));
    }

    @Test
    void onlyLoopbackServersAndBoundedRuns() throws Exception {
        ServingLoadGenerator.requireLoopback(URI.create("http://127.0.0.1:8000"));
        ServingLoadGenerator.requireLoopback(URI.create("http://localhost:8000"));
        assertThrows(IllegalArgumentException.class, () -> ServingLoadGenerator.requireLoopback(URI.create("http://10.1.2.3:8000")));
        assertThrows(IllegalArgumentException.class,
                () -> ServingLoadGenerator.bounded(Map.of("requests", "1000000"), "requests", 1, ServingLoadGenerator.MAX_REQUESTS));
        assertEquals(4, ServingLoadGenerator.bounded(Map.of(), "concurrency", 4, 8));
    }
}
