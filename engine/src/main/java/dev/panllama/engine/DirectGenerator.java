package dev.panllama.engine;

import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.SamplerChain;
import dev.panllama.engine.nativeapi.Utf8Accumulator;
import dev.panllama.engine.nativeapi.Vocab;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Generates one sequence on the calling thread, straight on a {@link Context}: the smallest complete
 * prompt → tokens → text loop. It is what llama.cpp's simple example does, and the reference the engine's
 * batched paths are compared with.
 */
public final class DirectGenerator {
    private final Context context;

    public DirectGenerator(Context context) {
        this.context = context;
    }

    /** Why generation stopped: an end-of-generation token, or the token limit. */
    public enum FinishReason { STOP, LENGTH }

    /** The outcome; {@code text} excludes the prompt. */
    public record Result(int[] promptTokens, int[] tokens, String text, FinishReason finishReason,
                         long promptNanos, long generationNanos) {
        public double tokensPerSecond() {
            return generationNanos == 0 ? 0 : tokens.length * 1e9 / generationNanos;
        }
    }

    /**
     * Decodes the prompt in batch-sized chunks, then samples up to {@code maxTokens} tokens, handing complete
     * UTF-8 text to {@code onText} as it is produced.
     *
     * @param ignoreEos keep generating past end-of-generation tokens
     */
    public Result generate(int[] prompt, int maxTokens, SamplerChain sampler, boolean ignoreEos, Consumer<String> onText) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt is empty: give at least one token");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        if (prompt.length + maxTokens > context.contextLength()) {
            throw new IllegalArgumentException("prompt (" + prompt.length + " tokens) + maxTokens (" + maxTokens
                    + ") exceeds the context length " + context.contextLength());
        }
        Vocab vocab = context.model().vocab();
        context.clearMemory();
        sampler.reset();
        int[] out = new int[maxTokens];
        int produced = 0;
        FinishReason reason = FinishReason.LENGTH;
        Utf8Accumulator utf8 = new Utf8Accumulator();
        StringBuilder text = new StringBuilder();
        long start = System.nanoTime();
        long promptDone;
        try (Batch batch = new Batch(context.batchSize(), 1)) {
            for (int from = 0; from < prompt.length; from += context.batchSize()) {
                batch.clear();
                int to = Math.min(prompt.length, from + context.batchSize());
                for (int i = from; i < to; i++) {
                    batch.add(prompt[i], i, 0, i == prompt.length - 1);
                }
                decode(batch);
            }
            promptDone = System.nanoTime();
            int position = prompt.length;
            int logitsIndex = batch.size() - 1;
            while (produced < maxTokens) {
                int token = sampler.sample(context, logitsIndex);
                if (!ignoreEos && vocab.isEndOfGeneration(token)) {
                    reason = FinishReason.STOP;
                    break;
                }
                out[produced++] = token;
                String piece = utf8.append(vocab.tokenToPiece(token, false));
                if (!piece.isEmpty()) {
                    text.append(piece);
                    onText.accept(piece);
                }
                if (produced == maxTokens) {
                    break;
                }
                batch.clear();
                logitsIndex = batch.add(token, position++, 0, true);
                decode(batch);
            }
        }
        String rest = utf8.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            onText.accept(rest);
        }
        long end = System.nanoTime();
        return new Result(prompt, Arrays.copyOf(out, produced), text.toString(), reason, promptDone - start, end - promptDone);
    }

    private void decode(Batch batch) {
        if (!context.decode(batch)) {
            throw new NativeCallException("the KV cache of " + context.contextLength() + " tokens has no room left");
        }
    }
}
