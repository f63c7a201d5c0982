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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
 * <p>Run from the CLI ({@code panllama bench embed}) or through Maven ({@code -Pembedding-benchmark}, arguments in
 * {@code -Dembedding.benchmark.args}): {@code --models all-minilm-l6-v2,bge-small-en-v15}, {@code --threads N} (default:
 * all processors), {@code --sentences N} (256), {@code --rounds N} (3), {@code --batches 1,16,64},
 * {@code --max-num-batched-tokens N} (1024), {@code --type F32|F16|Q8_0} (F32: panllama's weight type; LangChain4j
 * always runs the FP32 ONNX file), {@code --out DIR} (target/embedding-benchmark). Both write
 * {@code embedding-benchmark.json}, {@code embedding-benchmark.md} and charts.
 */
public final class EmbeddingBenchmark {
    private EmbeddingBenchmark() {}

    /**
     * What one run measures.
     *
     * @param models           the reference models, each converted to GGUF for panllama
     * @param threads          threads of both sides
     * @param sentences        sentences of the corpus, each timed pass embeds all of them
     * @param rounds           timed passes per side and batch size; the best counts
     * @param batches          sentences handed over at once
     * @param maxBatchedTokens panllama's max_num_batched_tokens
     * @param type             panllama's weight type
     * @param out              where the report goes
     */
    public record Settings(List<Reference> models, int threads, int sentences, int rounds, List<Integer> batches,
                           int maxBatchedTokens, QuantType type, Path out) {
        public Settings {
            models = List.copyOf(models);
            batches = List.copyOf(batches);
            if (models.isEmpty() || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
                throw new IllegalArgumentException("the embedding benchmark needs at least one model and batch sizes >= 1, got "
                        + models + " and " + batches);
            }
            if (threads < 1 || sentences < 1 || rounds < 1 || maxBatchedTokens < 1) {
                throw new IllegalArgumentException("threads, sentences, rounds and max_num_batched_tokens must be >= 1, got "
                        + threads + ", " + sentences + ", " + rounds + ", " + maxBatchedTokens);
            }
        }

        static Settings parse(String[] args) {
            List<Reference> models = List.of(Reference.values());
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
                    case "--models" -> models = Arrays.stream(value.split(",")).map(String::trim).map(EmbeddingBenchmark::model).toList();
                    case "--threads" -> threads = Integer.parseInt(value);
                    case "--sentences" -> sentences = Integer.parseInt(value);
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--batches" -> batches = Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
                    case "--max-num-batched-tokens" -> tokens = Integer.parseInt(value);
                    case "--type" -> type = QuantType.byName(value);
                    case "--out" -> out = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]
                            + " (use --models, --threads, --sentences, --rounds, --batches, --max-num-batched-tokens, --type, --out)");
                }
            }
            return new Settings(models, threads, sentences, rounds, batches, tokens, type, out);
        }
    }

    /** One measured configuration. */
    public record Row(String model, int batch, double panllamaPerSecond, double langchain4jPerSecond) {
        public double ratio() {
            return panllamaPerSecond / langchain4jPerSecond;
        }
    }

    /** A reference model by name, as {@code all-minilm-l6-v2} or {@code ALL_MINILM_L6_V2}. */
    public static Reference model(String name) {
        String constant = name.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
        return Arrays.stream(Reference.values()).filter(r -> r.name().equals(constant)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown embedding model '" + name + "': use one of "
                        + modelNames()));
    }

    /** The reference models' names as {@link #model} takes them. */
    public static List<String> modelNames() {
        return Arrays.stream(Reference.values()).map(r -> r.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    }

    public static void main(String[] args) throws Exception {
        run(Settings.parse(args), System.out::println);
    }

    /** Measures every model at every batch size and writes the report; returns the rows. */
    public static List<Row> run(Settings settings, Consumer<String> progress) throws Exception {
        String loadBefore = BenchmarkReport.loadAverage();
        List<String> sentences = SentenceCorpus.sentences(settings.sentences());
        List<Row> rows = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads());
        try {
            for (Reference model : settings.models()) {
                progress.accept(model.name().toLowerCase(Locale.ROOT) + ": converting the ONNX model, starting both sides");
                EmbeddingModel reference = ReferenceModels.create(model, settings.threads(), pool);
                EngineArgs engineArgs = EngineArgs.builder().model(gguf(model, settings.type()))
                        .threads(settings.threads()).maxNumSeqs(Math.max(64, settings.batches().stream().max(Integer::compare).orElse(1)))
                        .maxNumBatchedTokens(settings.maxBatchedTokens()).build();
                try (AsyncLLM llm = AsyncLLM.fromEngineArgs(engineArgs)) {
                    for (int batch : settings.batches()) {
                        double[] best = bestOfAlternatingRounds(sentences, batch, settings.rounds(),
                                chunk -> encodeAll(llm, chunk),
                                chunk -> reference.embedAll(chunk.stream().map(TextSegment::from).toList()));
                        Row row = new Row(model.name().toLowerCase(Locale.ROOT), batch, best[0], best[1]);
                        progress.accept(String.format(Locale.ROOT, "%-18s batch %3d: panllama %8.1f sentences/s, LangChain4j ONNX %8.1f sentences/s (%.2fx)",
                                row.model(), batch, row.panllamaPerSecond(), row.langchain4jPerSecond(), row.ratio()));
                        rows.add(row);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        BenchmarkReport.write(settings, rows, loadBefore, BenchmarkReport.loadAverage());
        progress.accept("wrote " + settings.out().resolve(BenchmarkReport.JSON_FILE).toAbsolutePath() + ", "
                + BenchmarkReport.MARKDOWN_FILE + " and charts/");
        return rows;
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
