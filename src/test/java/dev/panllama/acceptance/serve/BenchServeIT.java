package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.acceptance.CommandRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code panllama bench serve}: a small load through the command against a real {@code panllama serve} on
 * stories260K, and the side-by-side run against panllama serve in its own JVM and llama-server; the reports' figures
 * must agree with each other and with what the server counted.
 */
class BenchServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REQUESTS = 12;
    private static final int WARMUPS = 3;
    private static final int MAX_TOKENS = 8;

    @Test
    void loadAgainstARunningServerReportsConsistentFigures(@TempDir Path dir) throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start()) {
            double tokensBefore = ServeMetricsIT.sample(s.get("/metrics").body(), "panllama_generation_tokens_total");
            String out = bench("bench", "serve", "--url", s.server.baseUri().toString(), "--served-model-name",
                    ServerUnderTest.MODEL, "--max-concurrency", "3", "--num-prompts", "" + REQUESTS, "--num-warmups",
                    "" + WARMUPS, "--max-tokens", "" + MAX_TOKENS, "--label", "panllama", "-o", dir.toString());
            assertTrue(out.contains("| panllama | " + REQUESTS + " | 0 |"), out);

            JsonNode report = JSON.readTree(dir.resolve("report.json").toFile());
            assertConsistent(report);
            assertEquals(3, report.path("spec").path("maxConcurrency").asInt());
            double tokensAfter = ServeMetricsIT.sample(s.get("/metrics").body(), "panllama_generation_tokens_total");
            assertEquals((REQUESTS + WARMUPS) * MAX_TOKENS, tokensAfter - tokensBefore,
                    "the server generated what the report counts, warm-up included");
            assertTrue(Files.readString(dir.resolve("report.md")).contains("TTFT p50 ms"));
        }
    }

    @Test
    void sideBySideLoadsBothServersAndWritesRatios(@TempDir Path dir) throws Exception {
        String out = bench("bench", "serve", "--side-by-side", "-m", dev.panllama.engine.testing.TestModels.stories260K()
                        .toString(), "--slots", "2", "--threads", "1", "--num-prompts", "" + REQUESTS, "--num-warmups",
                "" + WARMUPS, "--max-tokens", "" + MAX_TOKENS, "--prompt-tokens", "5", "-o", dir.toString());
        assertTrue(out.contains("| panllama / llama-server |"), out);

        JsonNode comparison = JSON.readTree(dir.resolve("report.json").toFile());
        List<String> labels = java.util.stream.StreamSupport.stream(comparison.path("runs").spliterator(), false)
                .map(r -> r.path("label").asText()).toList();
        assertEquals(List.of("panllama", "llama-server"), labels);
        for (JsonNode run : comparison.path("runs")) {
            assertConsistent(run);
            assertEquals(REQUESTS * 5, run.path("promptTokens").asLong(), "both servers saw the very same token prompts");
        }
        JsonNode medians = comparison.path("medians");
        double ratio = medians.path("panllama").path("output tok/s").asDouble()
                / medians.path("llama-server").path("output tok/s").asDouble();
        assertEquals(ratio, comparison.path("ratios").path("output tok/s").asDouble(), 1e-9);
        assertTrue(Files.size(dir.resolve("logs/panllama-1.log")) > 0, "panllama serve's log is kept");
        assertTrue(Files.readString(dir.resolve("report.md")).contains("2 slots, 256 tokens of context per slot"));
    }

    /** Every request completed with exactly max_tokens tokens, percentiles ordered, first token before the end. */
    private static void assertConsistent(JsonNode run) {
        String label = run.path("label").asText();
        assertEquals(REQUESTS, run.path("completed").asInt(), label + ": " + run);
        assertEquals(0, run.path("failed").asInt(), label + ": " + run);
        assertEquals((long) REQUESTS * MAX_TOKENS, run.path("outputTokens").asLong(), label + ": ignore_eos makes max_tokens each");
        assertEquals(run.path("outputTokens").asDouble() / run.path("durationSeconds").asDouble(),
                run.path("outputThroughput").asDouble(), 1e-6);
        for (String stat : List.of("ttft", "tpot", "itl", "e2el")) {
            JsonNode s = run.path(stat);
            assertTrue(s.path("samples").asInt() > 0, label + " " + stat + ": " + s);
            assertTrue(s.path("p50Ms").asDouble() > 0, label + " " + stat + ": " + s);
            assertTrue(s.path("p50Ms").asDouble() <= s.path("p90Ms").asDouble(), label + " " + stat + ": " + s);
            assertTrue(s.path("p90Ms").asDouble() <= s.path("p99Ms").asDouble(), label + " " + stat + ": " + s);
        }
        assertEquals(REQUESTS, run.path("ttft").path("samples").asInt());
        assertTrue(run.path("itl").path("samples").asInt() <= REQUESTS * (MAX_TOKENS - 1), label + ": one gap per later chunk at most");
        for (String p : List.of("meanMs", "p50Ms", "p99Ms")) {
            assertTrue(run.path("ttft").path(p).asDouble() <= run.path("e2el").path(p).asDouble(), label + " TTFT ≤ E2E " + p);
        }
    }

    private static String bench(String... args) {
        CommandRun run = CommandRun.of(args);
        assertEquals(0, run.exitCode(), "exit code; stderr:\n" + run.err() + "\nstdout:\n" + run.out());
        return run.out();
    }
}
