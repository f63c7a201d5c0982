package dev.panllama.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The chart of a shared-prefix report ({@code prefix.json}): TTFT p50 and p99 per target (lower is better). */
final class PrefixCharts {
    private PrefixCharts() {}

    static Map<String, BarChart> of(JsonNode report) {
        List<String> targets = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (JsonNode result : ReportCharts.required(report, "results")) {
            targets.add(ReportCharts.required(result, "target").asText());
            p50.add(ReportCharts.required(result, "ttftP50Ms").asDouble());
            p99.add(ReportCharts.required(result, "ttftP99Ms").asDouble());
        }
        JsonNode config = ReportCharts.required(report, "config");
        String title = String.format("Shared-prefix TTFT: %d requests, %d-token prefix (lower is better)",
                config.path("requests").asInt(), config.path("prefixTokens").asInt());
        return Map.of("prefix-ttft", new BarChart(title, "target", "time to first token (ms)", targets,
                List.of(BarChart.Series.bars("TTFT p50", p50), BarChart.Series.bars("TTFT p99", p99))));
    }
}
