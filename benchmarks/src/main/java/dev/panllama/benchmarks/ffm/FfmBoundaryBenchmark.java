package dev.panllama.benchmarks.ffm;

import dev.panllama.benchmarks.BenchModels;
import dev.panllama.benchmarks.RepoLayout;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.SamplerChain;
import dev.panllama.engine.nativeapi.Vocab;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What crossing the FFM boundary costs on the per-token path, next to what the token itself costs: one
 * {@code llama_decode} of a single token. The engine makes a handful of these calls per token (decode, sample,
 * token_to_piece, batch writes), so their sum over the decode time is the JVM's share of a token.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class FfmBoundaryBenchmark {
    /** Where the decode position wraps: well inside the context, so the KV cache never fills. */
    private static final int POSITION_WRAP = 448;

    /** A GGUF path; empty = stories260K, where the per-token compute is smallest and the boundary shows most. */
    @Param("")
    public String model;

    @Param("1")
    public int threads;

    private Model loaded;
    private Context context;
    private Batch batch;
    private SamplerChain greedy;
    private Vocab vocab;
    private int position;
    private int token;

    @Setup(Level.Trial)
    public void open() {
        Path file = model.isEmpty() ? BenchModels.resolve(BenchModels.STORIES_260K, RepoLayout.locate()) : Path.of(model);
        loaded = Model.load(file);
        context = Context.create(loaded, ContextParams.defaults().withContextLength(512).withThreads(threads));
        batch = new Batch(512, 1);
        greedy = SamplerChain.greedy();
        vocab = loaded.vocab();
        token = vocab.bos() >= 0 ? vocab.bos() : 1;
        decodeOneToken(); // leaves logits at batch index 0 for the sampling benchmark
    }

    @TearDown(Level.Trial)
    public void close() {
        greedy.close();
        batch.close();
        context.close();
        loaded.close();
    }

    /** One token through {@code llama_decode}, logits included: the per-token cost the others compare with. */
    @Benchmark
    public int decodeOneToken() {
        if (position == POSITION_WRAP) {
            context.removeSequence(0, 0, -1);
            position = 0;
        }
        batch.clear();
        batch.add(token, position++, 0, true);
        context.decode(batch);
        return position;
    }

    /** {@code llama_sampler_sample} with a greedy chain over the last decode's logits. */
    @Benchmark
    public int sampleGreedy() {
        return greedy.sample(context, 0);
    }

    /** {@code llama_token_to_piece}, which the output thread calls once per generated token. */
    @Benchmark
    public byte[] tokenToPiece() {
        return vocab.tokenToPiece(token, false);
    }

    /** Filling a decode batch with 16 tokens (as 16 streams' decode step has): Java writes into the native {@code llama_batch} arrays. */
    @Benchmark
    public int buildBatch16() {
        batch.clear();
        for (int s = 0; s < 16; s++) {
            batch.add(token, s, 0, true);
        }
        return batch.size();
    }

    /** The bare round trip: a downcall that does almost nothing ({@code llama_time_us}). */
    @Benchmark
    public long downcallRoundTrip() {
        return LlamaCpp.llama_time_us();
    }
}
