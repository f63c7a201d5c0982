package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** panllama bench embed on a tiny setting, then panllama bench chart on what it wrote, through the command line. */
class BenchEmbedAndChartIT {
    @TempDir
    Path dir;

    @Test
    void embedBenchmarkWritesJsonMarkdownAndChartsThatChartRedraws() throws Exception {
        CommandRun bench = CommandRun.of("bench", "embed", "--models", "all-minilm-l6-v2", "--batches", "1,4",
                "--sentences", "8", "--repetitions", "1", "--threads", "1", "-o", dir.toString());
        assertEquals(0, bench.exitCode(), bench.err());

        JsonNode report = new ObjectMapper().readTree(dir.resolve("embedding-benchmark.json").toFile());
        JsonNode rows = report.get("results");
        assertEquals(2, rows.size(), report.toString());
        for (JsonNode row : rows) {
            assertEquals("all_minilm_l6_v2", row.get("model").asText());
            assertTrue(row.get("panllama_sentences_per_s").asDouble() > 0, row.toString());
            assertTrue(row.get("langchain4j_onnx_sentences_per_s").asDouble() > 0, row.toString());
        }
        assertTrue(bench.out().contains("| all_minilm_l6_v2 | 4 |"), bench.out());
        Path png = dir.resolve("charts/embedding-throughput-all_minilm_l6_v2.png");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " is not an image");
        assertTrue(Files.readString(dir.resolve("charts/embedding-ratios.svg")).contains("all_minilm_l6_v2"));
        String markdown = Files.readString(dir.resolve("embedding-benchmark.md"));
        assertTrue(markdown.contains("[SVG](charts/embedding-ratios.svg)"), markdown);

        Files.delete(png);
        CommandRun chart = CommandRun.of("bench", "chart", dir.toString());
        assertEquals(0, chart.exitCode(), chart.err());
        assertTrue(Files.isRegularFile(png), "bench chart draws the charts again");
        assertEquals(markdown, Files.readString(dir.resolve("embedding-benchmark.md")), "the chart line is not added twice");
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        CommandRun unknownModel = CommandRun.of("bench", "embed", "--models", "gpt-17", "-o", dir.toString());
        assertEquals(1, unknownModel.exitCode());
        assertTrue(unknownModel.err().contains("all-minilm-l6-v2"), unknownModel.err());

        CommandRun noReport = CommandRun.of("bench", "chart", dir.toString());
        assertEquals(1, noReport.exitCode());
        assertTrue(noReport.err().contains("report.json"), noReport.err());
        assertEquals(List.of(), noReport.out().lines().toList());
    }
}
