package dev.panllama.benchmarks.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares two load reports of the same workload: {@code LoadComparison CANDIDATE.json BASELINE.json OUT_DIR}
 * writes {@code comparison.md} with both rows and the candidate/baseline ratios (throughput: higher is better;
 * TTFT: lower is better).
 */
public final class LoadComparison {
    private LoadComparison() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: LoadComparison CANDIDATE.json BASELINE.json OUT_DIR");
        }
        LoadReport candidate = LoadReport.read(Path.of(args[0]));
        LoadReport baseline = LoadReport.read(Path.of(args[1]));
        Map<String, String> ratios = new LinkedHashMap<>();
        ratios.put("metric", candidate.label() + " / " + baseline.label());
        ratios.put("output tok/s", LoadReport.format(candidate.outputTokensPerSecond() / baseline.outputTokensPerSecond()));
        ratios.put("req/s", LoadReport.format(candidate.requestsPerSecond() / baseline.requestsPerSecond()));
        ratios.put("TTFT p50", LoadReport.format(candidate.ttftP50Ms() / baseline.ttftP50Ms()));
        ratios.put("TTFT p99", LoadReport.format(candidate.ttftP99Ms() / baseline.ttftP99Ms()));
        String md = "# Serving load: " + candidate.label() + " vs " + baseline.label() + "\n\n"
                + LoadReport.table(List.of(candidate.row(), baseline.row())) + "\n"
                + LoadReport.table(List.of(ratios));
        Path out = Path.of(args[2]);
        Files.createDirectories(out);
        Files.writeString(out.resolve("comparison.md"), md);
        System.out.print(md);
    }
}
