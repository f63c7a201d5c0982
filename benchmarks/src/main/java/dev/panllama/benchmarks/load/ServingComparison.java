package dev.panllama.benchmarks.load;

import dev.panllama.benchmarks.Stats;
import dev.panllama.benchmarks.report.ReportCharts;
import dev.panllama.benchmarks.report.ReportFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The same load run against several servers, one at a time: every run's report, each server's median over its
 * repetitions, and the candidate/baseline ratio of each figure (throughput: above 1 is better; latencies: below 1).
 *
 * @param runs    every run in the order it ran
 * @param medians server label → figure → median over that server's runs
 * @param ratios  figure → candidate median / baseline median
 */
public record ServingComparison(String date, String commandLine, Map<String, String> host, ServerSetup setup, LoadSpec spec,
                                String prompts, String candidate, String baseline, List<LoadReport> runs,
                                Map<String, Map<String, Double>> medians, Map<String, Double> ratios) {
    public static ServingComparison of(String date, String commandLine, Map<String, String> host, ServerSetup setup,
                                       String candidate, String baseline, List<LoadReport> runs) {
        Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
        for (String label : List.of(candidate, baseline)) {
            List<LoadReport> own = runs.stream().filter(r -> r.label().equals(label)).toList();
            if (own.isEmpty()) {
                throw new IllegalArgumentException("no run of " + label + " among " + runs.stream().map(LoadReport::label).toList());
            }
            Map<String, Double> figures = new LinkedHashMap<>();
            for (LoadReport.Metric metric : LoadReport.METRICS) {
                figures.put(metric.name(), Stats.median(own.stream().mapToDouble(metric.value()).toArray()));
            }
            medians.put(label, figures);
        }
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (LoadReport.Metric metric : LoadReport.METRICS) {
            ratios.put(metric.name(), medians.get(candidate).get(metric.name()) / medians.get(baseline).get(metric.name()));
        }
        LoadReport first = runs.getFirst();
        return new ServingComparison(date, commandLine, host, setup, first.spec(), first.prompts(), candidate, baseline,
                List.copyOf(runs), medians, ratios);
    }

    /** Writes {@code report.json}, {@code report.md} and the charts into {@code dir}. */
    public void write(Path dir) throws IOException {
        ReportFiles.write(dir, ReportCharts.SIDE_BY_SIDE_JSON, this, "report.md", markdown());
    }

    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Serving load: ").append(candidate).append(" vs ").append(baseline).append("\n\n");
        md.append(date).append(", ").append(String.join(", ", host.values())).append(".\n\n");
        md.append("`").append(commandLine).append("`\n\n");
        md.append(String.format(Locale.ROOT, "Model `%s`, %d slots, %d tokens of context per slot (one KV pool of %d), %d"
                        + " thread(s), %d tokens per batch, loopback, one server at a time. ", setup.model().getFileName(),
                setup.slots(), setup.contextPerSlot(), setup.slots() * setup.contextPerSlot(), setup.threads(),
                setup.batchTokens()));
        md.append(LoadReport.describe(spec, prompts)).append("\n\n");
        int repetitions = (int) runs.stream().filter(r -> r.label().equals(candidate)).count();
        md.append(repetitions > 1 ? "Medians of " + repetitions + " runs per server, interleaved:\n\n" : "\n");
        List<Map<String, String>> rows = new ArrayList<>();
        medians.forEach((label, figures) -> rows.add(row(label, figures)));
        rows.add(row(candidate + " / " + baseline, ratios));
        md.append(LoadReport.table(rows));
        if (repetitions > 1) {
            md.append("\nEvery run:\n\n").append(LoadReport.table(runs.stream().map(LoadReport::row).toList()));
        }
        List<String> failures = runs.stream().filter(r -> r.failed() > 0)
                .map(r -> r.label() + ": " + r.failed() + " failed (" + String.join("; ", r.errorKinds()) + ")").toList();
        if (!failures.isEmpty()) {
            md.append("\nFailed requests: ").append(String.join(", ", failures)).append('\n');
        }
        List<String> resends = runs.stream().filter(r -> r.resent() > 0).map(r -> r.label() + ": " + r.resent()).toList();
        if (!resends.isEmpty()) {
            md.append("\nRequests resent because the server had closed a kept-alive connection (timed from the first send): ")
                    .append(String.join(", ", resends)).append('\n');
        }
        md.append("\nRatios are ").append(candidate).append(" / ").append(baseline)
                .append(": above 1 is better for throughput, below 1 is better for latencies.\n");
        return md.toString();
    }

    private static Map<String, String> row(String label, Map<String, Double> figures) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("server", label);
        figures.forEach((name, value) -> row.put(name, String.format(Locale.ROOT, value < 10 ? "%.3f" : "%.1f", value)));
        return row;
    }
}
