package dev.panllama.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The charts of a serving-load comparison ({@code report.json} of {@code bench serve --side-by-side}): output tokens/s
 * per server, and the latency percentiles of both servers side by side (lower is better). Figures are the medians
 * over the report's repetitions.
 */
final class ServingCharts {
    /** The latency figures charted, in the order shown, as the report names them. */
    private static final List<String> LATENCIES = List.of("TTFT p50 ms", "TTFT p99 ms", "ITL p50 ms", "ITL p99 ms",
            "E2E p50 ms", "E2E p99 ms");

    private ServingCharts() {}

    /** Whether a {@code report.json} is a serving comparison rather than a side-by-side decode report. */
    static boolean isServingReport(JsonNode report) {
        return report.has("medians") && report.has("candidate") && report.has("baseline");
    }

    static Map<String, BarChart> of(JsonNode report) {
        String candidate = ReportCharts.required(report, "candidate").asText();
        String baseline = ReportCharts.required(report, "baseline").asText();
        JsonNode medians = ReportCharts.required(report, "medians");
        List<String> servers = List.of(candidate, baseline);
        List<String> shown = LATENCIES.stream().filter(name -> medians.path(candidate).has(name)).toList();
        List<Double> throughput = new ArrayList<>();
        List<BarChart.Series> latency = new ArrayList<>();
        for (String server : servers) {
            JsonNode figures = ReportCharts.required(medians, server);
            throughput.add(ReportCharts.required(figures, "output tok/s").asDouble());
            latency.add(BarChart.Series.bars(server, shown.stream().map(name -> ReportCharts.required(figures, name).asDouble()).toList()));
        }
        String load = describe(report);
        Map<String, BarChart> charts = new LinkedHashMap<>();
        charts.put("serving-throughput", new BarChart("Output tokens/s, " + load + " (higher is better)", "server",
                "output tokens/s", servers, List.of(BarChart.Series.bars("output tok/s", throughput))));
        charts.put("serving-latency", new BarChart("Latency, " + load + " (lower is better)", "percentile",
                "milliseconds", shown.stream().map(n -> n.replace(" ms", "")).toList(), latency));
        return charts;
    }

    private static String describe(JsonNode report) {
        JsonNode spec = report.path("spec");
        return String.format("%d requests of %d tokens, %d at a time", spec.path("requests").asInt(),
                spec.path("maxTokens").asInt(), spec.path("maxConcurrency").asInt());
    }
}
