package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTest {

    @Test
    void mediansAndRatioIgnoreOneOutlierPerSide() {
        Comparison c = Comparison.of("m", Comparison.SINGLE_STREAM, 1, "llama-bench",
                List.of(90.0, 10.0, 95.0), List.of(100.0, 100.0, 5.0), 0.85);
        assertEquals(90.0, c.panllamaMedian());
        assertEquals(100.0, c.llamaCppMedian());
        assertEquals(0.9, c.ratio(), 1e-12);
        assertTrue(c.meetsTarget());
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Comparison.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertThrows(IllegalArgumentException.class, () -> Comparison.median(List.of()));
    }

    @Test
    void noTargetMeansNoVerdict() {
        Comparison c = Comparison.of("m", Comparison.AGGREGATE, 4, "llama-batched-bench", List.of(1.0), List.of(2.0), null);
        assertNull(c.meetsTarget());
    }

    @Test
    void targetsAreTheProjectGoals() {
        assertEquals(0.85, SideBySide.target(BenchModels.STORIES_260K, Comparison.SINGLE_STREAM, 1, false));
        assertEquals(0.95, SideBySide.target(BenchModels.LLAMA_3_2_1B_Q4_0, Comparison.SINGLE_STREAM, 1, false));
        assertEquals(0.95, SideBySide.target(BenchModels.STORIES_260K, Comparison.AGGREGATE, 8, false));
        assertNull(SideBySide.target(BenchModels.STORIES_260K, Comparison.AGGREGATE, 16, false));
        assertEquals(0.97, SideBySide.target(BenchModels.LLAMA_3_1_8B_Q4_K_M, Comparison.SINGLE_STREAM, 1, true));
        assertEquals(1.0, SideBySide.target(BenchModels.LLAMA_3_2_1B_Q4_0, Comparison.AGGREGATE, 32, true));
        assertNull(SideBySide.target(BenchModels.LLAMA_3_2_1B_Q4_0, Comparison.AGGREGATE, 8, true));
    }

    @Test
    void markdownHasOneRowPerComparisonAndFlagsMisses() {
        Comparison met = Comparison.of("stories260K", Comparison.SINGLE_STREAM, 1, "llama-bench", List.of(9.0), List.of(10.0), 0.85);
        Comparison missed = Comparison.of("stories260K", Comparison.AGGREGATE, 8, "llama-batched-bench", List.of(5.0), List.of(10.0), 0.95);
        Comparison raw = Comparison.of("stories260K", Comparison.RAW_LOOP, 1, "llama-bench", List.of(10.2), List.of(10.0), null);
        Comparison nativeTg = Comparison.of("stories260K", Comparison.NATIVE_LOOP, 1, "llama-bench", List.of(9.9), List.of(10.0), null);
        Comparison nativeEight = Comparison.of("stories260K", Comparison.NATIVE_BATCHED, 8, "llama-batched-bench", List.of(10.4),
                List.of(10.0), null);
        SideBySideReport report = new SideBySideReport("cpu-quick", "2026-01-01T00:00:00Z", "abc", "v0 (x)", "cpu", 2, 3, 5,
                "panllama bench side-by-side", Map.of(), List.of(), List.of(met, raw, nativeTg, missed, nativeEight),
                List.of(new StepAnatomy("stories260K", 8, 40, 600.0, 450.0, 400.0, 50.0, 70.0, 30.0, 0.95, 640.0, 1500.0, 0.0)),
                List.of(new NativeLoopSteps("stories260K", "batched", 8, 10.4, 128, 580.0, 540.0, 610.5, 0.97, 900.0)), 1.0);
        String md = report.markdown();
        assertTrue(md.contains("| stories260K | native tg loop in C, no JVM (vs llama-bench) | 1 | 9.9 | 10.0 | 0.990 |  |  |"), md);
        assertTrue(md.contains("| stories260K | native batched loop in C, no JVM (vs llama-batched-bench) | 8 | 10.4 | 10.0 | 1.040 |"), md);
        assertTrue(md.contains("| stories260K | batched | 8 | 128 | 580.0 | 540.0 | 610.5 | 97% | 900.0 | 10.4 |"), md);
        assertTrue(md.contains("| stories260K | 8 | 40 | 600.0 | 450.0 | 400.0 | 50.0 | 70.0 | 30.0 | 95% | 640.0 | 1500.0 | 0.0 |"), md);
        assertTrue(md.contains("| stories260K | single-stream decode (vs llama-bench) | 1 | 9.0 | 10.0 | 0.900 | ≥ 0.85 | yes |"), md);
        assertTrue(md.contains("| 8 | 5.0 | 10.0 | 0.500 | ≥ 0.95 | **no** |"), md);
        assertTrue(md.contains("| stories260K | raw decode loop, no engine (vs llama-bench) | 1 | 10.2 | 10.0 | 1.020 |  |  |"), md);
        assertFalse(md.contains("null"), md);
    }

    @Test
    void writingAReportDrawsItsChartsAndLinksThemFromTheMarkdown(@TempDir Path dir) throws Exception {
        Comparison single = Comparison.of("stories260K", Comparison.SINGLE_STREAM, 1, "llama-bench", List.of(9.0), List.of(10.0), 0.85);
        Comparison eight = Comparison.of("stories260K", Comparison.AGGREGATE, 8, "llama-batched-bench", List.of(5.0), List.of(10.0), 0.95);
        SideBySideReport report = new SideBySideReport("cpu-quick", "2026-01-01T00:00:00Z", "abc", "v0 (x)", "cpu", 2, 3, 5,
                "panllama bench side-by-side", Map.of(), List.of(), List.of(single, eight), List.of(), List.of(), 1.0);

        SideBySide.write(report, dir);

        for (String chart : List.of("throughput-stories260K", "ratios")) {
            assertTrue(Files.size(dir.resolve("charts/" + chart + ".png")) > 0, chart);
            assertTrue(Files.readString(dir.resolve("charts/" + chart + ".svg")).contains("stories260K"), chart);
        }
        String md = Files.readString(dir.resolve(SideBySide.MARKDOWN_FILE));
        assertTrue(md.startsWith(report.markdown()), md);
        assertTrue(md.contains("ratios ([PNG](charts/ratios.png), [SVG](charts/ratios.svg))"), md);
    }
}
