package dev.panllama.benchmarks.embedding;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.PoolingParams;
import dev.panllama.engine.PoolingRequestStream;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import dev.panllama.engine.testing.SentenceCorpus;
import dev.panllama.engine.convert.BertOnnxConverter;
import dev.panllama.engine.models.QuantType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Sentence-embedding throughput: panllama's {@code encode} on GGUF files converted from LangChain4j's ONNX models
 * against LangChain4j's own ONNX Runtime models, same sentences, same machine, same thread count. A "batch" is
 * what the caller hands over at once: panllama gets B concurrent {@code encode} requests (the engine batches them),
 * LangChain4j gets one {@code embedAll} of B segments (its executor spreads them over the threads; ONNX Runtime's
 * intra-op pool has the same thread count, see {@link ReferenceModels}). Each
 * configuration is warmed up, then timed over the whole corpus several times; the best round counts.
 *
 * <p>Arguments: {@code --threads N} (default: all processors), {@code --sentences N} (256), {@code --rounds N} (3),
 * {@code --batches 1,16,64}, {@code --max-num-batched-tokens N} (1024), {@code --type F32|F16|Q8_0} (F32: panllama's
 * weight type; LangChain4j always runs the FP32 ONNX file), {@code --out DIR} (target/embedding-benchmark).
 */
public final class EmbeddingBenchmark {
    private EmbeddingBenchmark() {}

    record Settings(int threads, int sentences, int rounds, List<Integer> batches, int maxBatchedTokens, QuantType type, Path out) {
        static Settings parse(String[] args) {
            int threads = Runtime.getRuntime().availableProcessors();
            int sentences = 256;
            int rounds = 3;
            List<Integer> batches = List.of(1, 16, 64);
            int tokens = 1024;
            QuantType type = QuantType.F32;
            Path out = Path.of("target", "embedding-benchmark");
            for (int i = 0; i < args.length; i += 2) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--threads" -> threads = Integer.parseInt(value);
                    case "--sentences" -> sentences = Integer.parseInt(value);
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--batches" -> batches = java.util.Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
                    case "--max-num-batched-tokens" -> tokens = Integer.parseInt(value);
                    case "--type" -> type = QuantType.byName(value);
                    case "--out" -> out = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]
                            + " (use --threads, --sentences, --rounds, --batches, --max-num-batched-tokens, --type, --out)");
                }
            }
            return new Settings(threads, sentences, rounds, batches, tokens, type, out);
        }
    }

    /** One measured configuration. */
    record Row(String model, int batch, double panllamaPerSecond, double langchain4jPerSecond) {
        double ratio() {
            return panllamaPerSecond / langchain4jPerSecond;
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        String loadBefore = BenchmarkReport.loadAverage();
        List<String> sentences = SentenceCorpus.sentences(settings.sentences());
        List<Row> rows = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads());
        try {
            for (Reference model : Reference.values()) {
                EmbeddingModel reference = ReferenceModels.create(model, settings.threads(), pool);
                EngineArgs engineArgs = EngineArgs.builder().model(gguf(model, settings.type()))
                        .threads(settings.threads()).maxNumSeqs(Math.max(64, settings.batches().stream().max(Integer::compare).orElse(1)))
                        .maxNumBatchedTokens(settings.maxBatchedTokens()).build();
                try (AsyncLLM llm = AsyncLLM.fromEngineArgs(engineArgs)) {
                    for (int batch : settings.batches()) {
                        double[] best = bestOfAlternatingRounds(sentences, batch, settings.rounds(),
                                chunk -> encodeAll(llm, chunk),
                                chunk -> reference.embedAll(chunk.stream().map(TextSegment::from).toList()));
                        double ours = best[0];
                        double theirs = best[1];
                        Row row = new Row(model.name().toLowerCase(), batch, ours, theirs);
                        System.out.printf("%-18s batch %3d: panllama %8.1f sentences/s, LangChain4j ONNX %8.1f sentences/s (%.2fx)%n",
                                row.model(), batch, ours, theirs, row.ratio());
                        rows.add(row);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        BenchmarkReport.write(settings, rows, loadBefore, BenchmarkReport.loadAverage());
    }

    /** The converted model: F32 as the tests use it, or converted again to the asked weight type. */
    private static Path gguf(Reference model, QuantType type) throws IOException {
        if (type == QuantType.F32) {
            return EmbeddingTestModels.gguf(model);
        }
        Path dir = Files.createTempDirectory("panllama-embedding-benchmark");
        Path out = BertOnnxConverter.convert(EmbeddingTestModels.onnx(model), EmbeddingTestModels.tokenizer(model),
                model.pooling(), dir.resolve(model.name().toLowerCase() + "-" + type + ".gguf"), type).output();
        out.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return out;
    }

    private static void encodeAll(AsyncLLM llm, List<String> chunk) {
        List<PoolingRequestStream> streams = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            streams.add(llm.encode(Prompt.text(chunk.get(i)), PoolingParams.defaults(), "b" + i));
        }
        streams.forEach(PoolingRequestStream::get);
    }

    /**
     * Best sentences/s of each side over {@code rounds} timed passes over all sentences in chunks of {@code batch},
     * after one warm-up pass each. The sides alternate round by round so both meet the same machine load.
     */
    private static double[] bestOfAlternatingRounds(List<String> sentences, int batch, int rounds,
                                                    Consumer<List<String>> ours, Consumer<List<String>> theirs) {
        List<String> warmup = sentences.subList(0, Math.min(sentences.size(), Math.max(batch, 32)));
        runPass(warmup, batch, ours);
        runPass(warmup, batch, theirs);
        double[] best = new double[2];
        for (int r = 0; r < rounds; r++) {
            best[0] = Math.max(best[0], timedPass(sentences, batch, ours));
            best[1] = Math.max(best[1], timedPass(sentences, batch, theirs));
        }
        return best;
    }

    private static double timedPass(List<String> sentences, int batch, Consumer<List<String>> embed) {
        long start = System.nanoTime();
        runPass(sentences, batch, embed);
        return sentences.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static void runPass(List<String> sentences, int batch, Consumer<List<String>> embed) {
        for (int start = 0; start < sentences.size(); start += batch) {
            embed.accept(sentences.subList(start, Math.min(sentences.size(), start + batch)));
        }
    }
}
