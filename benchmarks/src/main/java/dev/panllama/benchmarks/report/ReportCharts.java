package dev.panllama.benchmarks.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.benchmarks.SideBySideReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charts for benchmark reports, into {@code <report dir>/charts/<name>.png} and {@code .svg}: from a report just
 * measured, or from the JSON files a report directory holds (side-by-side {@code report.json}, shared-prefix
 * {@code prefix.json}, embeddings {@code embedding-benchmark.json}).
 */
public final class ReportCharts {
    public static final String CHART_DIR = "charts";
    public static final String SIDE_BY_SIDE_JSON = "report.json";
    /** The Markdown a side-by-side report is written to, next to {@link #SIDE_BY_SIDE_JSON}. */
    public static final String SIDE_BY_SIDE_MARKDOWN = "report.md";
    public static final String PREFIX_JSON = "prefix.json";
    public static final String EMBEDDING_JSON = "embedding-benchmark.json";
    private static final String LINE_PREFIX = "Charts: ";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ReportCharts.class);

    private ReportCharts() {}

    /**
     * Renders the charts of every report kind that {@code reportDir} holds.
     *
     * @throws IllegalArgumentException when it holds none of the known report files
     */
    public static List<Path> render(Path reportDir) throws IOException {
        List<Path> written = new ArrayList<>();
        Path sideBySide = reportDir.resolve(SIDE_BY_SIDE_JSON);
        if (Files.isRegularFile(sideBySide)) {
            // bench serve --side-by-side writes a report.json of its own kind
            JsonNode report = read(sideBySide, JsonNode.class);
            written.addAll(writeAll(ServingCharts.isServingReport(report) ? ServingCharts.of(report)
                    : SideBySideCharts.of(JSON.treeToValue(report, SideBySideReport.class)), reportDir));
        }
        Path prefix = reportDir.resolve(PREFIX_JSON);
        if (Files.isRegularFile(prefix)) {
            written.addAll(writeAll(PrefixCharts.of(read(prefix, JsonNode.class)), reportDir));
        }
        Path embedding = reportDir.resolve(EMBEDDING_JSON);
        if (Files.isRegularFile(embedding)) {
            written.addAll(writeAll(EmbeddingCharts.of(read(embedding, JsonNode.class)), reportDir));
        }
        if (written.isEmpty()) {
            throw new IllegalArgumentException(reportDir + " holds no benchmark report to chart: expected "
                    + String.join(", ", SIDE_BY_SIDE_JSON, PREFIX_JSON, EMBEDDING_JSON));
        }
        return written;
    }

    /**
     * Writes a side-by-side report's Markdown from its JSON when the Markdown is missing (a GPU host's transfer limit
     * may return the JSON alone); the file written, or null when there was nothing to restore.
     */
    public static Path restoreSideBySideMarkdown(Path reportDir) throws IOException {
        Path json = reportDir.resolve(SIDE_BY_SIDE_JSON);
        Path markdown = reportDir.resolve(SIDE_BY_SIDE_MARKDOWN);
        if (!Files.isRegularFile(json) || Files.exists(markdown)) {
            return null;
        }
        JsonNode report = read(json, JsonNode.class);
        if (ServingCharts.isServingReport(report)) {
            return null;
        }
        Files.writeString(markdown, JSON.treeToValue(report, SideBySideReport.class).markdown(), StandardCharsets.UTF_8);
        return markdown;
    }

    /**
     * {@link #render} and {@link #linkFrom} for a report just written: drawing needs fonts and the java.desktop
     * module, which a bare benchmark host may lack, so a failure is logged and the numbers stand without pictures.
     *
     * @return the files written; empty when none could be drawn
     */
    public static List<Path> renderAndLink(Path reportDir, Path markdown) {
        try {
            List<Path> charts = render(reportDir);
            linkFrom(markdown, charts);
            return charts;
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("no charts for {}: {}", reportDir, e.toString());
            return List.of();
        }
    }

    /**
     * One Markdown line linking every chart, relative to {@code reportDir}: "Charts: name (PNG, SVG), ...".
     * {@code files} come in PNG/SVG pairs as {@link #render} returns them.
     */
    public static String markdownLine(List<Path> files, Path reportDir) {
        List<String> links = new ArrayList<>();
        for (int i = 0; i + 1 < files.size(); i += 2) {
            String png = relative(reportDir, files.get(i));
            String svg = relative(reportDir, files.get(i + 1));
            String name = files.get(i).getFileName().toString().replaceFirst("\\.png$", "");
            links.add(name + " ([PNG](" + png + "), [SVG](" + svg + "))");
        }
        return LINE_PREFIX + String.join(", ", links);
    }

    /**
     * Appends {@link #markdownLine} to a report's Markdown unless a chart line is there already.
     *
     * @return whether the file changed
     */
    public static boolean linkFrom(Path markdown, List<Path> files) throws IOException {
        String text = Files.readString(markdown, StandardCharsets.UTF_8);
        if (text.lines().anyMatch(l -> l.startsWith(LINE_PREFIX))) {
            return false;
        }
        String separator = text.endsWith("\n") ? "\n" : "\n\n";
        Files.writeString(markdown, text + separator + markdownLine(files, markdown.getParent()) + "\n", StandardCharsets.UTF_8);
        return true;
    }

    /** A member that a report must have; its absence names the member instead of drawing zeros. */
    static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("report JSON lacks '" + field + "' in " + abbreviate(node));
        }
        return value;
    }

    /** A report's JSON; a file that is no such report is named with what the parser found. */
    private static <T> T read(Path json, Class<T> type) throws IOException {
        try {
            return JSON.readValue(json.toFile(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json + " is not a readable report: " + e.getOriginalMessage(), e);
        }
    }

    private static List<Path> writeAll(Map<String, BarChart> charts, Path reportDir) throws IOException {
        List<Path> written = new ArrayList<>();
        Path dir = reportDir.resolve(CHART_DIR);
        for (Map.Entry<String, BarChart> chart : charts.entrySet()) {
            written.addAll(ChartWriter.write(chart.getValue(), dir, chart.getKey()));
        }
        return written;
    }

    private static String relative(Path base, Path file) {
        return base.toAbsolutePath().relativize(file.toAbsolutePath()).toString().replace('\\', '/');
    }

    private static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }

    /** Chart names of written files, for messages. */
    public static String names(List<Path> files) {
        return files.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "));
    }
}
