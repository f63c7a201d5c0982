package dev.panllama.benchmarks;

import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
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
    private final RawLoopNatives natives;
    private final Batch batch = new Batch(1, 1);
    private final int tokens;
    private final SplittableRandom random = new SplittableRandom(42);

    private RawDecodeLoop(RawLoopNatives natives, int tokens) {
        this.natives = natives;
        this.tokens = tokens;
    }

    /** Loads the model (every layer offloaded and flash attention on with {@code gpu}) and a tg-sized context. */
    public static RawDecodeLoop open(Path path, int tokens, int threads, boolean gpu) {
        if (tokens < 1) {
            // a context length of 0 would make llama.cpp take the model's own, and the loop would time nothing
            throw new IllegalArgumentException("the raw decode loop needs at least one token to decode, got " + tokens);
        }
        RawDecodeLoop loop = new RawDecodeLoop(RawLoopNatives.open(path, gpu,
                flashAttention -> new ContextParams(tokens, 512, 512, 1, threads, 0, false, flashAttention, false, "f16", null)),
                tokens);
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
        Model model = natives.model();
        Context context = natives.context();
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
        natives.close();
    }
}
