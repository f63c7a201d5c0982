package dev.panllama.benchmarks.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadReportTest {
    private static final LoadSpec SPEC = LoadSpec.closedLoop(3, 2, 32);

    @Test
    void percentilesAreNearestRank() {
        long[] nanos = new long[100];
        for (int i = 0; i < 100; i++) {
            nanos[i] = (100 - i) * 1_000_000L; // unsorted on purpose
        }
        LatencyStats stats = LatencyStats.ofNanos(nanos);
        assertEquals(50.0, stats.p50Ms());
        assertEquals(90.0, stats.p90Ms());
        assertEquals(99.0, stats.p99Ms());
        assertEquals(50.5, stats.meanMs());
        assertEquals(7.0, LatencyStats.ofNanos(new long[] {7_000_000L}).p99Ms());
        assertTrue(Double.isNaN(LatencyStats.ofNanos(new long[0]).p50Ms()));
    }

    @Test
    void reportCountsOnlySuccessfulRequests() {
        List<LoadResult> results = List.of(
                new LoadResult(true, 1_000_000, 10_000_000, new long[] {2_000_000, 4_000_000}, 5, 10, null),
                new LoadResult(true, 3_000_000, 30_000_000, new long[] {6_000_000}, 7, 30, null),
                LoadResult.failed(5_000_000, "HTTP 500"));
        LoadReport report = LoadReport.of("x", "http://127.0.0.1:1", SPEC, "p", results, 2.0, 0);
        assertEquals(2, report.completed());
        assertEquals(1, report.failed());
        assertEquals(40, report.outputTokens());
        assertEquals(12, report.promptTokens());
        assertEquals(20.0, report.outputThroughput());
        assertEquals(1.0, report.requestThroughput());
        assertEquals(26.0, report.totalTokenThroughput());
        assertEquals(1.0, report.ttft().p50Ms());
        assertEquals(3, report.itl().samples());
        assertEquals(4.0, report.itl().p50Ms());
        // TPOT = (E2E - TTFT) / (tokens - 1): 9/9 = 1 ms and 27/29 ms
        assertEquals(27_000_000 / 29 / 1e6, report.tpot().p50Ms());
        assertEquals(1.0, report.tpot().p99Ms());
        assertEquals(30.0, report.e2el().p99Ms());
        assertTrue(report.markdown().contains("| x | 2 | 1 |"), report.markdown());
        assertEquals(List.of("HTTP 500"), report.errorKinds());
        assertTrue(report.markdown().contains("Errors seen: HTTP 500"));
    }

    @Test
    void reportsSurviveTheirJson(@TempDir Path dir) throws Exception {
        LoadReport report = LoadReport.of("x", "http://127.0.0.1:1", SPEC, "p",
                List.of(new LoadResult(true, 1_000_000, 10_000_000, new long[0], 1, 1, null)), 1.0, 0);
        report.write(dir);
        LoadReport read = LoadReport.read(dir.resolve("report.json"));
        assertEquals(report.ttft(), read.ttft());
        assertTrue(Double.isInfinite(read.spec().requestRate()));
        assertTrue(Double.isNaN(read.tpot().p50Ms()), "a one-token request has no time per output token");
        assertTrue(Files.readString(dir.resolve("report.md")).contains("3 requests (after 4 warm-up)"));
    }

    @Test
    void comparisonDividesMediansCandidateOverBaseline(@TempDir Path dir) throws Exception {
        Path model = Files.createFile(dir.resolve("m.gguf"));
        ServerSetup setup = new ServerSetup(model, 4, 256, 1, 512);
        List<LoadReport> runs = List.of(run("a", 90), run("b", 100), run("a", 110), run("b", 100), run("a", 100), run("b", 50));
        ServingComparison comparison = ServingComparison.of("today", "panllama bench serve", java.util.Map.of("host", "h"),
                setup, "a", "b", runs);
        assertEquals(100.0, comparison.medians().get("a").get("output tok/s"));
        assertEquals(100.0, comparison.medians().get("b").get("output tok/s"));
        assertEquals(1.0, comparison.ratios().get("output tok/s"));
        String md = comparison.markdown();
        assertTrue(md.contains("| a / b | 1.000 |"), md);
        assertTrue(md.contains("Medians of 3 runs per server"), md);
        Path out = dir.resolve("comparison");
        comparison.write(out);
        assertEquals("a", new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("report.json").toFile())
                .path("candidate").asText());
        assertTrue(Files.readString(out.resolve("report.md")).contains("serving-throughput ([PNG]"), "charts linked");
        assertTrue(Files.isRegularFile(out.resolve("charts/serving-latency.svg")));
        assertThrows(IllegalArgumentException.class,
                () -> ServingComparison.of("today", "c", java.util.Map.of(), setup, "a", "c", runs));
    }

    private static LoadReport run(String label, long tokens) {
        return LoadReport.of(label, "http://127.0.0.1:1", SPEC, "p",
                List.of(new LoadResult(true, 1_000_000, 10_000_000, new long[0], 1, (int) tokens, null)), 1.0, 0);
    }

    @Test
    void serversAreGivenTheSameSetup(@TempDir Path dir) throws Exception {
        ServerSetup setup = new ServerSetup(Files.createFile(dir.resolve("stories.gguf")), 4, 256, 1, 512);
        List<String> llama = setup.llamaServerCommand(Path.of("llama-server"), 9000);
        assertEquals("1024", llama.get(llama.indexOf("-c") + 1));
        assertEquals("256", llama.get(llama.indexOf("--kv-unified-per-slot") + 1));
        assertEquals("4", llama.get(llama.indexOf("-np") + 1));
        List<String> panllama = setup.panllamaServeArguments(9000);
        assertEquals("256", panllama.get(panllama.indexOf("--max-model-len") + 1));
        assertEquals("4", panllama.get(panllama.indexOf("--max-num-seqs") + 1));
        assertEquals("stories", panllama.get(panllama.indexOf("--served-model-name") + 1));
        assertThrows(IllegalArgumentException.class, () -> new ServerSetup(dir.resolve("missing.gguf"), 4, 256, 1, 512));
    }

    @Test
    void onlyLoopbackServersAndBoundedLoads() {
        assertThrows(IllegalArgumentException.class,
                () -> new ServingLoadGenerator(URI.create("http://10.1.2.3:8000"), SPEC, PromptSet.storyOpeners()));
        assertThrows(IllegalArgumentException.class, () -> LoadSpec.closedLoop(1_000_000, 4, 64));
        assertThrows(IllegalArgumentException.class,
                () -> new LoadSpec(5000, 0, Double.POSITIVE_INFINITY, 64, 0, 0, null), "5000 requests at once");
        assertThrows(IllegalArgumentException.class, () -> new LoadSpec(10, 4, 0, 64, 0, 0, null));
    }
}
