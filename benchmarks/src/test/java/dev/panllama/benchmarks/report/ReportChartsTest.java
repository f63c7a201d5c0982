package dev.panllama.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.benchmarks.Comparison;
import dev.panllama.benchmarks.SideBySideReport;
import dev.panllama.benchmarks.Workload;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class ReportChartsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void sideBySideReportGetsThroughputChartsPerModelAndARatioChart() throws Exception {
        JSON.writeValue(dir.resolve(ReportCharts.SIDE_BY_SIDE_JSON).toFile(), sideBySide());

        List<Path> files = ReportCharts.render(dir);

        Path charts = dir.resolve(ReportCharts.CHART_DIR);
        assertEquals(List.of(charts.resolve("throughput-tiny.png"), charts.resolve("throughput-tiny.svg"),
                charts.resolve("throughput-big-model.png"), charts.resolve("throughput-big-model.svg"),
                charts.resolve("ratios.png"), charts.resolve("ratios.svg")), files);
        for (Path png : List.of(files.get(0), files.get(2), files.get(4))) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " does not decode as an image");
            assertEquals(ChartWriter.WIDTH, image.getWidth());
            assertEquals(ChartWriter.HEIGHT, image.getHeight());
        }
        Set<String> throughput = svgTexts(files.get(1));
        assertTrue(throughput.containsAll(List.of("panllama", "llama.cpp", "single stream", "4 streams")), throughput.toString());
        Set<String> ratios = svgTexts(files.get(5));
        assertTrue(ratios.containsAll(List.of("tiny", "big/model", "target: tiny", "parity (1.0)")), ratios.toString());
        assertFalse(ratios.contains("target: big/model"), "a model without any target gets no target line: " + ratios);
    }

    @Test
    void aSideBySideReportWhoseMarkdownIsMissingGetsItBackFromItsJson() throws Exception {
        SideBySideReport report = sideBySide();
        JSON.writeValue(dir.resolve(ReportCharts.SIDE_BY_SIDE_JSON).toFile(), report);

        Path markdown = ReportCharts.restoreSideBySideMarkdown(dir);

        assertEquals(dir.resolve("report.md"), markdown);
        assertEquals(report.markdown(), Files.readString(markdown));
        assertEquals(null, ReportCharts.restoreSideBySideMarkdown(dir), "an existing Markdown is kept");
    }

    @Test
    void prefixAndEmbeddingReportsAreChartedThroughTheSameWriter() throws Exception {
        Files.writeString(dir.resolve(ReportCharts.PREFIX_JSON), """
                {"config": {"requests": 32, "prefixTokens": 400},
                 "results": [{"target": "panllama, cache on", "ttftP50Ms": 476.2, "ttftP99Ms": 865.6},
                             {"target": "llama-server", "ttftP50Ms": 1561.4, "ttftP99Ms": 1987.4}]}""");
        Files.writeString(dir.resolve(ReportCharts.EMBEDDING_JSON), """
                {"threads": 2, "results": [
                  {"model": "all_minilm_l6_v2", "batch": 1, "panllama_sentences_per_s": 90.0, "langchain4j_onnx_sentences_per_s": 60.0},
                  {"model": "all_minilm_l6_v2", "batch": 16, "panllama_sentences_per_s": 300.0, "langchain4j_onnx_sentences_per_s": 200.0}]}""");

        List<Path> files = ReportCharts.render(dir);

        assertEquals(List.of("prefix-ttft.png", "prefix-ttft.svg", "embedding-throughput-all_minilm_l6_v2.png",
                "embedding-throughput-all_minilm_l6_v2.svg", "embedding-ratios.png", "embedding-ratios.svg"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(svgTexts(files.get(1)).containsAll(List.of("TTFT p50", "TTFT p99", "llama-server")));
        assertTrue(svgTexts(files.get(3)).containsAll(List.of("panllama", "LangChain4j ONNX", "batch 16")));
        assertEquals(ChartWriter.WIDTH, ImageIO.read(files.get(4).toFile()).getWidth());
    }

    @Test
    void servingComparisonInReportJsonIsChartedAsServingNotAsDecode() throws Exception {
        Files.writeString(dir.resolve(ReportCharts.SIDE_BY_SIDE_JSON), """
                {"candidate": "panllama", "baseline": "llama-server",
                 "spec": {"requests": 400, "maxTokens": 64, "maxConcurrency": 4},
                 "medians": {
                   "panllama": {"output tok/s": 3808.1, "TTFT p50 ms": 7.2, "TTFT p99 ms": 41.9, "E2E p50 ms": 54.7},
                   "llama-server": {"output tok/s": 5096.8, "TTFT p50 ms": 3.0, "TTFT p99 ms": 17.9, "E2E p50 ms": 45.9}},
                 "ratios": {"output tok/s": 0.747}}""");

        List<Path> files = ReportCharts.render(dir);

        assertEquals(List.of("serving-throughput.png", "serving-throughput.svg", "serving-latency.png", "serving-latency.svg"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(svgTexts(files.get(1)).containsAll(List.of("panllama", "llama-server", "output tok/s")));
        assertTrue(svgTexts(files.get(3)).containsAll(List.of("TTFT p50", "TTFT p99", "E2E p50", "panllama", "llama-server")));
        assertEquals(ChartWriter.HEIGHT, ImageIO.read(files.get(2).toFile()).getHeight());
    }

    @Test
    void markdownGetsOneChartLineOnlyOnce() throws Exception {
        JSON.writeValue(dir.resolve(ReportCharts.SIDE_BY_SIDE_JSON).toFile(), sideBySide());
        Path markdown = Files.writeString(dir.resolve("report.md"), "# report\n\n| a |\n");
        List<Path> files = ReportCharts.render(dir);

        assertTrue(ReportCharts.linkFrom(markdown, files));
        assertFalse(ReportCharts.linkFrom(markdown, files));

        List<String> lines = Files.readAllLines(markdown);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("Charts: ")).count(), lines.toString());
        assertTrue(lines.getLast().contains("ratios ([PNG](charts/ratios.png), [SVG](charts/ratios.svg))"), lines.getLast());
    }

    @Test
    void aDirectoryWithoutReportsOrAReportWithoutResultsIsNamed() throws Exception {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ReportCharts.render(dir));
        assertTrue(none.getMessage().contains(ReportCharts.SIDE_BY_SIDE_JSON), none.getMessage());

        Files.writeString(dir.resolve(ReportCharts.PREFIX_JSON), "{\"config\": {}}");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> ReportCharts.render(dir));
        assertTrue(missing.getMessage().contains("'results'"), missing.getMessage());

        Files.writeString(dir.resolve(ReportCharts.SIDE_BY_SIDE_JSON), "{\"preset\": ");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class, () -> ReportCharts.render(dir));
        assertTrue(broken.getMessage().contains("is not a readable report"), broken.getMessage());
    }

    @Test
    void seriesMustFitTheCategories() {
        assertThrows(IllegalArgumentException.class, () -> new BarChart("t", "x", "y", List.of("a", "b"),
                List.of(BarChart.Series.bars("s", List.of(1.0)))));
        assertThrows(IllegalArgumentException.class, () -> new BarChart("t", "x", "y", List.of("a"),
                List.of(BarChart.Series.bars("s", List.of(1.0)), BarChart.Series.line("s", List.of(2.0)))));
    }

    /** Two models: one with targets and four measurements, one without targets and two (a gap in the ratio chart). */
    private static SideBySideReport sideBySide() {
        List<Comparison> comparisons = new ArrayList<>();
        comparisons.add(Comparison.of("tiny", Comparison.SINGLE_STREAM, 1, "llama-bench", List.of(900.0, 950.0), List.of(1000.0), 0.85));
        comparisons.add(Comparison.of("tiny", Comparison.AGGREGATE, 1, "llama-batched-bench", List.of(1000.0), List.of(1000.0), null));
        comparisons.add(Comparison.of("tiny", Comparison.AGGREGATE, 4, "llama-batched-bench", List.of(3000.0), List.of(3100.0), null));
        comparisons.add(Comparison.of("tiny", Comparison.AGGREGATE, 8, "llama-batched-bench", List.of(5000.0), List.of(5100.0), 0.95));
        comparisons.add(Comparison.of("big/model", Comparison.SINGLE_STREAM, 1, "llama-bench", List.of(20.0), List.of(21.0), null));
        comparisons.add(Comparison.of("big/model", Comparison.AGGREGATE, 4, "llama-batched-bench", List.of(55.0), List.of(56.0), null));
        return new SideBySideReport("cpu-quick", "2026-01-01T00:00:00Z", "abc", "v0 (x)", "cpu", 2, 3, 5,
                "panllama bench side-by-side", Map.of("tiny", "/m/tiny.gguf"), List.of(new Workload("tiny", 8, 4, 4, List.of(1, 4, 8))),
                comparisons, List.of(), List.of(), 1.0);
    }

    /** Every text element's content: where the chart's titles, axis labels and legend entries are. */
    private static Set<String> svgTexts(Path svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document doc = factory.newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getLocalName() != null ? doc.getDocumentElement().getLocalName()
                : doc.getDocumentElement().getTagName());
        NodeList texts = doc.getElementsByTagName("text");
        Set<String> contents = new java.util.HashSet<>();
        for (int i = 0; i < texts.getLength(); i++) {
            contents.add(texts.item(i).getTextContent().trim());
        }
        return contents;
    }
}
