package dev.panllama.benchmarks.embedding;

import dev.panllama.benchmarks.HostInfo;
import dev.panllama.benchmarks.report.ReportCharts;
import dev.panllama.benchmarks.report.ReportFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes the embedding benchmark's results as JSON, as a Markdown table and as charts. */
final class BenchmarkReport {
    static final String JSON_FILE = ReportCharts.EMBEDDING_JSON;
    static final String MARKDOWN_FILE = "embedding-benchmark.md";

    private BenchmarkReport() {}

    static void write(EmbeddingBenchmark.Settings settings, List<EmbeddingBenchmark.Row> rows, String loadBefore,
                      String loadAfter) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("benchmark", "sentence embedding throughput");
        report.put("timestamp", Instant.now().toString());
        report.put("threads", settings.threads());
        report.put("sentences", settings.sentences());
        report.put("rounds", settings.rounds());
        report.put("max_num_batched_tokens", settings.maxBatchedTokens());
        report.put("panllama_weight_type", settings.type().name());
        report.put("cpu", HostInfo.cpu());
        report.put("available_processors", Runtime.getRuntime().availableProcessors());
        report.put("java", Runtime.version().toString());
        report.put("load_average_before", loadBefore);
        report.put("load_average_after", loadAfter);
        report.put("results", rows.stream().map(r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", r.model());
            row.put("batch", r.batch());
            row.put("panllama_sentences_per_s", round(r.panllamaPerSecond()));
            row.put("langchain4j_onnx_sentences_per_s", round(r.langchain4jPerSecond()));
            row.put("ratio", round(r.ratio()));
            return row;
        }).toList());
        StringBuilder md = new StringBuilder();
        md.append("# Sentence embedding throughput\n\n")
                .append("panllama `encode` (GGUF converted from the ONNX file) vs LangChain4j's ONNX Runtime model; ")
                .append(settings.threads()).append(" threads, panllama weights ").append(settings.type()).append(" (ONNX: FP32), ").append(settings.sentences()).append(" sentences, best of ")
                .append(settings.rounds()).append(" rounds, max_num_batched_tokens ").append(settings.maxBatchedTokens())
                .append(", CPU ").append(HostInfo.cpu()).append(" (").append(Runtime.getRuntime().availableProcessors())
                .append(" processors; load average before ").append(loadBefore).append(", after ").append(loadAfter)
                .append(").\n\n")
                .append("| model | batch | panllama sentences/s | LangChain4j ONNX sentences/s | ratio |\n")
                .append("| --- | ---: | ---: | ---: | ---: |\n");
        for (EmbeddingBenchmark.Row r : rows) {
            md.append(String.format("| %s | %d | %.1f | %.1f | %.2fx |%n", r.model(), r.batch(), r.panllamaPerSecond(),
                    r.langchain4jPerSecond(), r.ratio()));
        }
        ReportFiles.write(settings.out(), JSON_FILE, report, MARKDOWN_FILE, md.toString());
    }

    /** The 1/5/15-minute load averages: other work on the machine skews both sides. */
    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
