package dev.panllama.benchmarks.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A benchmark report's files in its directory: the figures as indented JSON, the table as Markdown, then the charts
 * drawn from that JSON and linked from that Markdown ({@link ReportCharts#renderAndLink}).
 */
public final class ReportFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFiles() {}

    /**
     * Writes {@code report} to {@code dir/jsonFile} and {@code markdown} to {@code dir/markdownFile}, creating
     * {@code dir}, then charts them. {@code jsonFile} must be a name {@link ReportCharts#render} reads for charts to
     * appear.
     */
    public static void write(Path dir, String jsonFile, Object report, String markdownFile, String markdown)
            throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve(jsonFile).toFile(), report);
        Path markdownPath = dir.resolve(markdownFile);
        Files.writeString(markdownPath, markdown, StandardCharsets.UTF_8);
        ReportCharts.renderAndLink(dir, markdownPath);
    }
}
