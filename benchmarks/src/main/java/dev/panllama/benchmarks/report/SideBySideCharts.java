package dev.panllama.benchmarks.report;

import dev.panllama.benchmarks.Comparison;
import dev.panllama.benchmarks.SideBySideReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The charts of a side-by-side report: per model, panllama's and llama.cpp's tok/s (single stream, then aggregate
 * per stream count) as grouped bars; and one chart of every ratio with its target. Per model because rates differ by
 * orders of magnitude between models: on one axis the small ones would vanish.
 */
final class SideBySideCharts {
    private SideBySideCharts() {}

    /** Charts by file name (without extension). */
    static Map<String, BarChart> of(SideBySideReport report) {
        Map<String, BarChart> charts = new LinkedHashMap<>();
        Map<String, List<Comparison>> byModel = new LinkedHashMap<>();
        report.comparisons().forEach(c -> byModel.computeIfAbsent(c.model(), m -> new ArrayList<>()).add(c));
        byModel.forEach((model, comparisons) -> charts.put("throughput-" + ChartWriter.fileNamePart(model),
                throughput(report, model, comparisons)));
        charts.put("ratios", ratios(report, byModel));
        return charts;
    }

    private static BarChart throughput(SideBySideReport report, String model, List<Comparison> comparisons) {
        List<String> categories = comparisons.stream().map(SideBySideCharts::measurement).toList();
        return new BarChart(model + ": decode tok/s (" + report.preset() + ", " + report.threads()
                + (report.threads() == 1 ? " thread)" : " threads)"),
                "measurement (single stream vs llama-bench; N streams: aggregate vs llama-batched-bench)", "tokens/s",
                categories, List.of(
                        BarChart.Series.bars("panllama", comparisons.stream().map(Comparison::panllamaMedian).toList()),
                        BarChart.Series.bars("llama.cpp", comparisons.stream().map(Comparison::llamaCppMedian).toList())));
    }

    private static BarChart ratios(SideBySideReport report, Map<String, List<Comparison>> byModel) {
        List<String> categories = new ArrayList<>();
        report.comparisons().stream().map(SideBySideCharts::measurement).filter(m -> !categories.contains(m)).forEach(categories::add);
        List<String> models = List.copyOf(byModel.keySet());
        Map<String, List<Double>> ratios = BarChart.emptySeries(models, categories.size());
        Map<String, List<Double>> targets = BarChart.emptySeries(models.stream().map(m -> "target: " + m).toList(), categories.size());
        for (Comparison c : report.comparisons()) {
            int slot = categories.indexOf(measurement(c));
            ratios.get(c.model()).set(slot, c.ratio());
            targets.get("target: " + c.model()).set(slot, c.target());
        }
        return BarChart.ratios("panllama / llama.cpp tok/s (" + report.preset() + "; higher is better)",
                "measurement", "ratio", categories, ratios, targets);
    }

    private static String measurement(Comparison c) {
        if (c.metric().equals(Comparison.SINGLE_STREAM)) {
            return "single stream";
        }
        if (c.metric().equals(Comparison.RAW_LOOP)) {
            return "raw loop";
        }
        if (c.metric().equals(Comparison.NATIVE_LOOP)) {
            return "native tg loop";
        }
        if (c.metric().equals(Comparison.RAW_BATCHED)) {
            return "raw " + streams(c.streams());
        }
        if (c.metric().equals(Comparison.NATIVE_BATCHED)) {
            return "native " + streams(c.streams());
        }
        return streams(c.streams());
    }

    private static String streams(int count) {
        return count == 1 ? "1 stream" : count + " streams";
    }
}
