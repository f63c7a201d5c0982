package dev.panllama.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Throughput and latency percentiles of one load run, written as JSON and as a Markdown table. */
record LoadReport(String label, String url, int concurrency, int maxTokens, int requests, int errors, double seconds,
                  long completionTokens, double requestsPerSecond, double outputTokensPerSecond,
                  double ttftP50Ms, double ttftP99Ms, double latencyP50Ms, double latencyP99Ms, List<String> errorKinds) {

    static LoadReport of(String label, String url, int concurrency, int maxTokens, List<LoadResult> results, double seconds) {
        List<LoadResult> ok = results.stream().filter(LoadResult::ok).toList();
        long tokens = ok.stream().mapToLong(LoadResult::completionTokens).sum();
        long[] ttft = ok.stream().mapToLong(LoadResult::ttftNanos).sorted().toArray();
        long[] latency = ok.stream().mapToLong(LoadResult::latencyNanos).sorted().toArray();
        return new LoadReport(label, url, concurrency, maxTokens, results.size(), results.size() - ok.size(), seconds, tokens,
                ok.size() / seconds, tokens / seconds, percentileMs(ttft, 50), percentileMs(ttft, 99),
                percentileMs(latency, 50), percentileMs(latency, 99),
                results.stream().map(LoadResult::error).filter(java.util.Objects::nonNull).distinct().limit(5).toList());
    }

    /** Nearest-rank percentile in milliseconds; NaN without samples. */
    static double percentileMs(long[] sortedNanos, int percentile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sortedNanos.length);
        return sortedNanos[Math.max(0, rank - 1)] / 1e6;
    }

    static LoadReport read(Path json) throws IOException {
        return new ObjectMapper().readValue(json.toFile(), LoadReport.class);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(label + ".json").toFile(), this);
        Files.writeString(dir.resolve(label + ".md"), markdown());
    }

    Map<String, String> row() {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("server", label);
        row.put("concurrency", Integer.toString(concurrency));
        row.put("requests", Integer.toString(requests));
        row.put("errors", Integer.toString(errors));
        row.put("req/s", format(requestsPerSecond));
        row.put("output tok/s", format(outputTokensPerSecond));
        row.put("TTFT p50 ms", format(ttftP50Ms));
        row.put("TTFT p99 ms", format(ttftP99Ms));
        row.put("latency p50 ms", format(latencyP50Ms));
        row.put("latency p99 ms", format(latencyP99Ms));
        return row;
    }

    String markdown() {
        String table = table(List.of(row()));
        return errorKinds.isEmpty() ? table : table + "\nErrors seen: " + String.join("; ", errorKinds) + "\n";
    }

    static String table(List<Map<String, String>> rows) {
        StringBuilder md = new StringBuilder();
        List<String> columns = List.copyOf(rows.getFirst().keySet());
        md.append("| ").append(String.join(" | ", columns)).append(" |\n");
        md.append("|").append(" --- |".repeat(columns.size())).append('\n');
        for (Map<String, String> row : rows) {
            md.append("| ").append(String.join(" | ", Arrays.stream(columns.toArray(String[]::new)).map(row::get).toList())).append(" |\n");
        }
        return md.toString();
    }

    static String format(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
