package dev.panllama.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The charts of an embedding report ({@code embedding-benchmark.json}): per model, panllama's and LangChain4j's
 * sentences/s per batch size; and the ratios of every model per batch size.
 */
final class EmbeddingCharts {
    static final String PANLLAMA = "panllama_sentences_per_s";
    static final String LANGCHAIN4J = "langchain4j_onnx_sentences_per_s";

    private EmbeddingCharts() {}

    static Map<String, BarChart> of(JsonNode report) {
        Map<String, List<JsonNode>> byModel = new LinkedHashMap<>();
        List<String> batches = new ArrayList<>();
        for (JsonNode row : ReportCharts.required(report, "results")) {
            byModel.computeIfAbsent(ReportCharts.required(row, "model").asText(), m -> new ArrayList<>()).add(row);
            String batch = batch(row);
            if (!batches.contains(batch)) {
                batches.add(batch);
            }
        }
        String threads = report.path("threads").asText("?");
        Map<String, BarChart> charts = new LinkedHashMap<>();
        byModel.forEach((model, rows) -> charts.put("embedding-throughput-" + ChartWriter.fileNamePart(model), new BarChart(
                model + ": sentences/s (" + threads + " threads)", "batch (sentences handed over at once)", "sentences/s",
                rows.stream().map(EmbeddingCharts::batch).toList(), List.of(
                        BarChart.Series.bars("panllama", rows.stream().map(r -> ReportCharts.required(r, PANLLAMA).asDouble()).toList()),
                        BarChart.Series.bars("LangChain4j ONNX", rows.stream().map(r -> ReportCharts.required(r, LANGCHAIN4J).asDouble()).toList())))));
        Map<String, List<Double>> ratios = BarChart.emptySeries(List.copyOf(byModel.keySet()), batches.size());
        byModel.forEach((model, rows) -> rows.forEach(r -> ratios.get(model).set(batches.indexOf(batch(r)),
                ReportCharts.required(r, PANLLAMA).asDouble() / ReportCharts.required(r, LANGCHAIN4J).asDouble())));
        charts.put("embedding-ratios", BarChart.ratios("panllama / LangChain4j ONNX sentences/s (higher is better)", "batch", "ratio",
                batches, ratios, Map.of()));
        return charts;
    }

    private static String batch(JsonNode row) {
        return "batch " + ReportCharts.required(row, "batch").asInt();
    }
}
