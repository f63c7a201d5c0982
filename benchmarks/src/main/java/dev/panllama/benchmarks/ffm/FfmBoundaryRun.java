package dev.panllama.benchmarks.ffm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link FfmBoundaryBenchmark} with JMH and writes JMH's own JSON ({@code ffm-jmh.json}) and a Markdown table
 * ({@code ffm.md}) that puts each boundary crossing in nanoseconds next to the per-token decode time.
 */
public final class FfmBoundaryRun {
    private FfmBoundaryRun() {}

    /** @return the Markdown table, also written to {@code outputDir/ffm.md} */
    public static String run(Path outputDir, int threads) throws IOException, RunnerException {
        Files.createDirectories(outputDir);
        Path jmhJson = outputDir.resolve("ffm-jmh.json");
        var options = new OptionsBuilder().include(FfmBoundaryBenchmark.class.getName() + ".*")
                .param("threads", Integer.toString(threads))
                .resultFormat(ResultFormatType.JSON).result(jmhJson.toString()).build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> nanos = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            nanos.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
        }
        String table = markdown(nanos, threads);
        Files.writeString(outputDir.resolve("ffm.md"), table, StandardCharsets.UTF_8);
        return table;
    }

    static String markdown(Map<String, Double> nanos, int threads) {
        Double decode = nanos.get("decodeOneToken");
        StringBuilder md = new StringBuilder("# FFM boundary vs per-token decode (stories260K, ")
                .append(threads).append(" thread(s))\n\n| operation | ns/op | share of one decoded token |\n|---|---:|---:|\n");
        nanos.forEach((name, ns) -> md.append(String.format("| %s | %.0f | %s |%n", name, ns,
                decode == null || name.equals("decodeOneToken") ? "" : String.format("%.2f%%", 100 * ns / decode))));
        if (decode != null && nanos.containsKey("downcallRoundTrip")) {
            md.append(String.format("%nA generated token crosses the boundary three times (llama_decode, llama_sampler_sample,"
                    + " llama_token_to_piece); at %.0f ns per bare round trip that is %.3f%% of a %.0f ns decode.%n",
                    nanos.get("downcallRoundTrip"), 300 * nanos.get("downcallRoundTrip") / decode, decode));
        }
        return md.toString();
    }
}
