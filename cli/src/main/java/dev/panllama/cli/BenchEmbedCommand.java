package dev.panllama.cli;

import dev.panllama.benchmarks.RepoLayout;
import dev.panllama.benchmarks.embedding.EmbeddingBenchmark;
import dev.panllama.engine.models.QuantType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code panllama bench embed}: sentence-embedding throughput of panllama's {@code encode} (GGUF converted from
 * LangChain4j's ONNX models) against LangChain4j's own ONNX Runtime models, same sentences, threads and machine.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Sentence-embedding throughput: panllama encode vs LangChain4j's ONNX Runtime models (all-MiniLM-L6-v2,"
                + " bge-small-en-v1.5), per batch size; writes embedding-benchmark.json, embedding-benchmark.md and charts/.")
final class BenchEmbedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--models"}, split = ",", defaultValue = "all-minilm-l6-v2,bge-small-en-v15",
            description = "Reference models (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--batches", split = ",", defaultValue = "1,16,64",
            description = "Sentences handed over at once: concurrent encode requests / one embedAll (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Threads of both sides (default: all cores).")
    int threads;

    @Option(names = "--repetitions", defaultValue = "3",
            description = "Timed passes over the sentences per side and batch size; the best counts (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--sentences", defaultValue = "256", description = "Sentences per pass (default: ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--type", defaultValue = "F32", description = "panllama's weight type: F32, F16 or Q8_0 (default: ${DEFAULT-VALUE};"
            + " LangChain4j runs the FP32 ONNX file).")
    String type;

    @Option(names = "--max-num-batched-tokens", defaultValue = "1024", description = "panllama's tokens per step (default: ${DEFAULT-VALUE}).")
    int maxBatchedTokens;

    @Option(names = {"-o", "--output-dir"}, description = "Report directory (default: benchmarks/results/<date>-embedding).")
    Path outputDir;

    @Override
    public Integer call() throws Exception {
        requireReferenceModels();
        Path dir = outputDir != null ? outputDir : RepoLayout.locate().datedResultsDir("embedding");
        var settings = new EmbeddingBenchmark.Settings(models.stream().map(EmbeddingBenchmark::model).toList(),
                threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), sentences, repetitions, batches,
                maxBatchedTokens, QuantType.byName(type), dir);
        var err = spec.commandLine().getErr();
        EmbeddingBenchmark.run(settings, line -> err.println("bench: " + line));
        spec.commandLine().getOut().println(Files.readString(dir.resolve("embedding-benchmark.md")));
        return 0;
    }

    /** The GPU bundle leaves LangChain4j's models and ONNX Runtime out: say so before any work starts. */
    private static void requireReferenceModels() {
        try {
            Class.forName("dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder", false, BenchEmbedCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("bench embed needs LangChain4j's embedding models and ONNX Runtime on the class"
                    + " path; run it from a checkout (./panllama), whose build puts them in cli/target/lib");
        }
    }
}
