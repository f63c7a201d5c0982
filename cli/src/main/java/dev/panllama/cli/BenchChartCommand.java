package dev.panllama.cli;

import dev.panllama.benchmarks.report.ReportCharts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code panllama bench chart}: PNG and SVG charts for reports already written. */
@Command(name = "chart", mixinStandardHelpOptions = true,
        description = "Draw the charts of existing benchmark reports (side-by-side report.json, prefix.json,"
                + " embedding-benchmark.json) into <report-dir>/charts/ as PNG and SVG, and link them from the report's"
                + " Markdown (a side-by-side report.md that is missing is first written from report.json).")
final class BenchChartCommand implements Callable<Integer> {
    /** The report Markdown files, in the order their JSON kinds are looked for; README.md last. */
    private static final List<String> MARKDOWN = List.of("report.md", "prefix.md", "embedding-benchmark.md", "README.md");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "REPORT_DIR", description = "Directories holding a report's JSON.")
    List<Path> reportDirs;

    @Option(names = "--no-link", description = "Leave the report's Markdown as it is.")
    boolean noLink;

    @Override
    public Integer call() throws IOException {
        var out = spec.commandLine().getOut();
        for (Path dir : reportDirs) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + " is not a directory: give the directory that holds the report's JSON");
            }
            Path restored = ReportCharts.restoreSideBySideMarkdown(dir);
            if (restored != null) {
                out.println(restored + ": written from the report's JSON");
            }
            List<Path> charts = ReportCharts.render(dir);
            out.println(dir + ": " + ReportCharts.names(charts));
            Optional<Path> markdown = noLink ? Optional.empty()
                    : MARKDOWN.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst();
            if (markdown.isPresent() && ReportCharts.linkFrom(markdown.get(), charts)) {
                out.println(markdown.get() + ": linked the charts");
            }
        }
        return 0;
    }
}
