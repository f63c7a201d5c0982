package dev.panllama.benchmarks;

import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * llama-bench's text-generation loop (tg) driven through panllama's bindings from a Java thread, with no engine around
 * it: a context of one sequence sized as llama-bench's, one token a decode with its output, {@code llama_synchronize}
 * after each, the next token drawn at random as llama-bench draws it, nothing sampled. Next to llama-bench and to the
 * engine's single stream it separates what calling llama.cpp from the JVM costs from what the engine adds.
 */
public final class RawDecodeLoop implements AutoCloseable {
    private final Model model;
    private final Context context;
    private final Batch batch = new Batch(1, 1);
    private final int tokens;
    private final SplittableRandom random = new SplittableRandom(42);

    private RawDecodeLoop(Model model, Context context, int tokens) {
        this.model = model;
        this.context = context;
        this.tokens = tokens;
    }

    /** Loads the model (every layer offloaded and flash attention on with {@code gpu}) and a tg-sized context. */
    public static RawDecodeLoop open(Path path, int tokens, int threads, boolean gpu) {
        if (tokens < 1) {
            // a context length of 0 would make llama.cpp take the model's own, and the loop would time nothing
            throw new IllegalArgumentException("the raw decode loop needs at least one token to decode, got " + tokens);
        }
        Model model = Model.load(path, gpu ? ModelParams.defaults().withGpuLayers(-1) : ModelParams.defaults());
        RawDecodeLoop loop;
        try {
            ContextParams params = new ContextParams(tokens, 512, 512, 1, threads, 0, false,
                    gpu ? ContextParams.FlashAttention.ENABLED : ContextParams.FlashAttention.AUTO, false, "f16", null);
            loop = new RawDecodeLoop(model, Context.create(model, params), tokens);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        // as llama-bench warms up: first-use costs, and here the JIT, stay out of the runs; a failure closes the context
        // and batch too, not only the model
        JvmSettling.warmUpAndSettle(loop::run, loop::close);
        return loop;
    }

    /** The median of {@code runs} runs' rates, tokens/s. */
    public double tokensPerSecond(int runs) {
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            rates.add(run());
        }
        return Comparison.median(rates);
    }

    private double run() {
        context.clearMemory();
        int vocab = model.vocab().tokenCount();
        int token = model.vocab().bos() >= 0 ? model.vocab().bos() : random.nextInt(vocab);
        long start = System.nanoTime();
        for (int pos = 0; pos < tokens; pos++) {
            batch.clear();
            batch.add(token, pos, 0, true);
            if (!context.decode(batch)) {
                throw new IllegalStateException("the context has no room for position " + pos);
            }
            context.synchronize();
            token = random.nextInt(vocab);
        }
        return tokens * 1e9 / (System.nanoTime() - start);
    }

    @Override
    public void close() {
        batch.close();
        context.close();
        model.close();
    }
}
