package dev.panllama.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * Everything a side-by-side run measured and the conditions it ran under.
 *
 * @param preset       the preset's name
 * @param startedAt    when the run began (UTC, ISO-8601)
 * @param commit       the checkout's commit, "+dirty" when it had uncommitted changes
 * @param llamaCpp     the pinned llama.cpp version and commit both sides were built from
 * @param host         CPU model and core count
 * @param threads      threads given to panllama and to every llama.cpp tool
 * @param repetitions  runs of each measurement (interleaved: panllama, llama.cpp, llama.cpp, panllama, ...)
 * @param samples      single-stream runs per repetition, of which the median counts
 * @param command      the command line that produced the report
 * @param models       model name to file
 * @param workloads    what each model ran
 * @param comparisons  the results
 * @param stepAnatomy  where panllama's steps spent their time in each measurement (latest repetition)
 * @param nativeSteps  how the native loops' steps (llama.cpp's calls without a JVM) were spread (latest repetition)
 * @param wallSeconds  how long the whole run took
 */
public record SideBySideReport(String preset, String startedAt, String commit, String llamaCpp, String host, int threads,
                               int repetitions, int samples, String command, Map<String, String> models, List<Workload> workloads,
                               List<Comparison> comparisons, List<StepAnatomy> stepAnatomy, List<NativeLoopSteps> nativeSteps,
                               double wallSeconds) {

    public SideBySideReport {
        stepAnatomy = stepAnatomy == null ? List.of() : List.copyOf(stepAnatomy);
        nativeSteps = nativeSteps == null ? List.of() : List.copyOf(nativeSteps); // reports written before the loops
    }

    /** The ratio table: one row per comparison, the way the project's notes quote results. */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# panllama vs llama.cpp: ").append(preset).append("\n\n");
        md.append("- started: ").append(startedAt).append(" (").append(String.format("%.0f", wallSeconds)).append(" s)\n");
        md.append("- panllama commit: ").append(commit).append("; llama.cpp: ").append(llamaCpp).append('\n');
        md.append("- host: ").append(host).append("; threads: ").append(threads)
                .append("; medians of ").append(repetitions).append(" interleaved repetitions (single stream: each the median of ")
                .append(samples).append(" runs)\n");
        md.append("- command: `").append(command).append("`\n\n");
        md.append("| model | measurement | streams | panllama tok/s | llama.cpp tok/s | ratio | target | met |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|:---:|\n");
        for (Comparison c : comparisons) {
            md.append(String.format("| %s | %s (vs %s) | %d | %.1f | %.1f | %.3f | %s | %s |%n", c.model(),
                    c.label(),
                    c.referenceTool(), c.streams(), c.panllamaMedian(), c.llamaCppMedian(), c.ratio(),
                    c.target() == null ? "" : String.format("≥ %.2f", c.target()),
                    c.meetsTarget() == null ? "" : c.meetsTarget() ? "yes" : "**no**"));
        }
        md.append("\nBoth sides decode with the same native build and thread count, interleaved; llama.cpp's tools start as"
                + " fresh processes, and panllama's engines and loops start measuring once their JVM has settled (a"
                + " collection, then the JIT quiet for 0.5 s). Single stream: panllama"
                + " runs a one-sequence engine (as llama-bench's context) and counts the one-token prompt's decode and"
                + " every output decode from the engine's scheduling timestamp to the last token; llama-bench reports tg."
                + " Raw decode loop: llama-bench's tg loop run through panllama's bindings from a Java thread, without"
                + " the engine (what calling llama.cpp from the JVM costs, apart from what the engine adds)."
                + " Native loops: llama-bench's and llama-batched-bench's loops written in C against the same natives"
                + " and settings, against the tools themselves: how far this host's noise alone moves a rate."
                + " Aggregate: requests sent together through AsyncLLM (greedy, ignore_eos), rates summed over the"
                + " window in which every stream decodes, against llama-batched-bench S_TG with the same KV cache size,"
                + " KV layout and batch size (-c -b -ub; a KV stream per sequence, llama-batched-bench's default, or one"
                + " unified buffer, -kvu, when run with --kv-unified or --pin-kv-view).\n");
        if (!stepAnatomy.isEmpty()) {
            md.append("\n## Where panllama's decode steps spend their time\n\n");
            md.append("Medians over the steps in which every stream decoded, µs: decode is llama_decode until the device is"
                    + " done (all llama.cpp's tools spend), decode call the part until llama_decode returned (on a GPU the"
                    + " host's share before the wait for the device), sample is reading logits and picking tokens, scheduling is the rest"
                    + " of the step, between is the engine thread outside steps; graph reused is the share of those steps that"
                    + " llama.cpp ran on the previous step's compute graph instead of building a new one; mean period is"
                    + " the mean, which slow steps raise above the median (a rate counts them in full), and new-graph"
                    + " period the mean of the steps that built a new graph; first prefill the period of the first step"
                    + " that prefilled (a single stream's prompt step), which rates include.\n\n");
            md.append("| model | streams | steps | period | decode | decode call | sample | scheduling | between | graph reused"
                    + " | mean period | new-graph period | first prefill |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (StepAnatomy a : stepAnatomy) {
                md.append(String.format("| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.1f |%n",
                        a.model(), a.streams(), a.steps(), a.periodMicros(), a.decodeMicros(), a.decodeCallMicros(), a.sampleMicros(),
                        a.schedulingMicros(), a.betweenMicros(), 100 * a.graphReuse(), a.meanPeriodMicros(),
                        a.newGraphPeriodMicros(), a.firstPrefillPeriodMicros()));
            }
        }
        if (!nativeSteps.isEmpty()) {
            md.append("\n## llama.cpp's own steps, timed by the loops without the engine\n\n");
            md.append("The same calls as llama-bench (tg, streams 1) and llama-batched-bench (generation phase), µs per"
                    + " llama_decode + llama_synchronize: in C (tg, batched; and where the engine picks in the graph,"
                    + " batched with in-graph picks), and through panllama's bindings from a Java thread (raw batched). A"
                    + " loop with in-graph picks also reads each step's picks back, as the engine does: compare with"
                    + " panllama's period and mean period above.\n\n");
            md.append("| model | loop | streams | steps | median step | median decode call | mean step | graph reused"
                    + " | new-graph step | tok/s |\n");
            md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (NativeLoopSteps n : nativeSteps) {
                md.append(String.format("| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.0f%% | %.1f | %.1f |%n", n.model(),
                        n.loop(), n.streams(), n.steps(), n.medianStepMicros(), n.medianCallMicros(), n.meanStepMicros(), 100 * n.graphReuse(),
                        n.newGraphStepMicros(), n.tokensPerSecond()));
            }
        }
        return md.toString();
    }
}
