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
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * One load run against one server, with {@code vllm bench serve}'s figures: request and token throughput, and time to
 * first token (TTFT), time per output token after the first (TPOT), inter-token latency between streamed chunks (ITL)
 * and end-to-end latency (E2EL), each as mean and p50/p90/p99. Statistics cover the completed requests only.
 *
 * @param resent requests sent again because the server had closed the kept-alive connection the client reused
 */
public record LoadReport(String label, String url, LoadSpec spec, String prompts, int completed, int failed,
                         int resent, double durationSeconds, long promptTokens, long outputTokens, double requestThroughput,
                         double outputThroughput, double totalTokenThroughput, LatencyStats ttft, LatencyStats tpot,
                         LatencyStats itl, LatencyStats e2el, List<String> errorKinds) {

    /**
     * A figure the tables show and the comparison divides.
     *
     * @param higherIsBetter throughput (true) or latency (false), so a reader knows which way a ratio should go
     */
    public record Metric(String name, boolean higherIsBetter, ToDoubleFunction<LoadReport> value) {}

    public static final List<Metric> METRICS = List.of(
            new Metric("req/s", true, LoadReport::requestThroughput),
            new Metric("output tok/s", true, LoadReport::outputThroughput),
            new Metric("TTFT p50 ms", false, r -> r.ttft().p50Ms()),
            new Metric("TTFT p90 ms", false, r -> r.ttft().p90Ms()),
            new Metric("TTFT p99 ms", false, r -> r.ttft().p99Ms()),
            new Metric("TPOT p50 ms", false, r -> r.tpot().p50Ms()),
            new Metric("ITL p50 ms", false, r -> r.itl().p50Ms()),
            new Metric("ITL p99 ms", false, r -> r.itl().p99Ms()),
            new Metric("E2E p50 ms", false, r -> r.e2el().p50Ms()),
            new Metric("E2E p99 ms", false, r -> r.e2el().p99Ms()));

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static LoadReport of(String label, String url, LoadSpec spec, String prompts, List<LoadResult> results, double seconds,
                         int resent) {
        List<LoadResult> ok = results.stream().filter(LoadResult::ok).toList();
        long promptTokens = ok.stream().mapToLong(LoadResult::promptTokens).sum();
        long outputTokens = ok.stream().mapToLong(LoadResult::completionTokens).sum();
        return new LoadReport(label, url, spec, prompts, ok.size(), results.size() - ok.size(), resent, seconds, promptTokens,
                outputTokens, ok.size() / seconds, outputTokens / seconds, (promptTokens + outputTokens) / seconds,
                LatencyStats.ofNanos(ok.stream().mapToLong(LoadResult::ttftNanos).toArray()),
                LatencyStats.ofNanos(ok.stream().mapToLong(LoadResult::tpotNanos).filter(t -> t >= 0).toArray()),
                LatencyStats.ofNanos(ok.stream().flatMapToLong(r -> Arrays.stream(r.itlNanos())).toArray()),
                LatencyStats.ofNanos(ok.stream().mapToLong(LoadResult::latencyNanos).toArray()),
                results.stream().map(LoadResult::error).filter(Objects::nonNull).distinct().limit(5).toList());
    }

    public static LoadReport read(Path json) throws IOException {
        return JSON.readValue(json.toFile(), LoadReport.class);
    }

    /** Writes {@code report.json} and {@code report.md} into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("report.json").toFile(), this);
        Files.writeString(dir.resolve("report.md"), markdown());
    }

    public String markdown() {
        String title = String.format(Locale.ROOT, "# Serving load: %s (%s)%n%n%s%n%n", label, url, describe(spec, prompts));
        String summary = String.format(Locale.ROOT, "%d completed, %d failed (%d resent on a closed connection) in %.2f s;"
                + " %d prompt and %d output tokens.%n%n", completed, failed, resent, durationSeconds, promptTokens, outputTokens);
        String table = table(List.of(row()));
        return title + summary + table + (errorKinds.isEmpty() ? "" : "\nErrors seen: " + String.join("; ", errorKinds) + "\n");
    }

    /** The load in words: what a reader needs to rerun it. */
    static String describe(LoadSpec spec, String prompts) {
        String rate = Double.isInfinite(spec.requestRate()) ? "as fast as allowed" : format(spec.requestRate()) + " req/s (Poisson)";
        String cap = spec.maxConcurrency() > 0 ? "at most " + spec.maxConcurrency() + " in flight" : "no concurrency cap";
        return String.format(Locale.ROOT, "%d requests (after %d warm-up), %s, %s, %d output tokens each (ignore_eos),"
                + " greedy, streaming /v1/completions; prompts: %s; seed %d.", spec.requests(), spec.warmups(), rate, cap,
                spec.maxTokens(), prompts, spec.seed());
    }

    Map<String, String> row() {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("server", label);
        row.put("completed", Integer.toString(completed));
        row.put("failed", Integer.toString(failed));
        row.put("resent", Integer.toString(resent));
        for (Metric metric : METRICS) {
            row.put(metric.name(), format(metric.value().applyAsDouble(this)));
        }
        return row;
    }

    static String table(List<Map<String, String>> rows) {
        StringBuilder md = new StringBuilder();
        List<String> columns = List.copyOf(rows.getFirst().keySet());
        md.append("| ").append(String.join(" | ", columns)).append(" |\n");
        md.append("|").append(" --- |".repeat(columns.size())).append('\n');
        for (Map<String, String> row : rows) {
            md.append("| ").append(String.join(" | ", columns.stream().map(c -> row.getOrDefault(c, "")).toList())).append(" |\n");
        }
        return md.toString();
    }

    static String format(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
