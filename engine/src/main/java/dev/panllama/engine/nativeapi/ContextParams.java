package dev.panllama.engine.nativeapi;

/**
 * How to create a {@link Context}.
 *
 * @param contextLength  KV cache length in tokens over all sequences; 0 = the model's training length, capped at
 *                       {@value #DEFAULT_MAX_CONTEXT} so a 128k-context model does not allocate a huge cache by default
 * @param batchSize      most tokens one {@link Context#decode} call may carry
 * @param microBatchSize tokens computed per graph evaluation (≤ batchSize)
 * @param maxSequences   distinct sequences the KV cache tracks
 * @param threads        threads for generation; 0 = available processors
 * @param batchThreads   threads for prompt processing; 0 = same as threads
 * @param embeddings     compute embeddings instead of (or with) logits
 * @param flashAttention flash attention on, off, or llama.cpp's choice
 * @param unifiedKv      one KV buffer shared by all sequences (what prefix sharing needs)
 * @param kvCacheType    KV cache element type: f16, f32, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl
 * @param pooling        how an embeddings context pools per-token states; null = what the model declares
 */
public record ContextParams(int contextLength, int batchSize, int microBatchSize, int maxSequences, int threads,
                            int batchThreads, boolean embeddings, FlashAttention flashAttention, boolean unifiedKv,
                            String kvCacheType, PoolingType pooling) {

    public static final int DEFAULT_MAX_CONTEXT = 4096;

    public enum FlashAttention { AUTO, ENABLED, DISABLED }

    public ContextParams {
        if (contextLength < 0 || batchSize < 1 || microBatchSize < 1 || maxSequences < 1 || threads < 0 || batchThreads < 0) {
            throw new IllegalArgumentException("invalid context params: contextLength=" + contextLength + " batchSize="
                    + batchSize + " microBatchSize=" + microBatchSize + " maxSequences=" + maxSequences
                    + " threads=" + threads + " batchThreads=" + batchThreads);
        }
        kvCacheType = kvCacheType == null ? "f16" : kvCacheType;
        if (microBatchSize > batchSize) {
            throw new IllegalArgumentException("microBatchSize " + microBatchSize + " exceeds batchSize " + batchSize);
        }
    }

    public static ContextParams defaults() {
        return new ContextParams(0, 512, 512, 1, 0, 0, false, FlashAttention.AUTO, true, "f16", null);
    }

    public ContextParams withContextLength(int tokens) {
        return new ContextParams(tokens, batchSize, microBatchSize, maxSequences, threads, batchThreads, embeddings,
                flashAttention, unifiedKv, kvCacheType, pooling);
    }

    public ContextParams withBatchSize(int tokens) {
        return new ContextParams(contextLength, tokens, Math.min(microBatchSize, tokens), maxSequences, threads,
                batchThreads, embeddings, flashAttention, unifiedKv, kvCacheType, pooling);
    }

    public ContextParams withMaxSequences(int sequences) {
        return new ContextParams(contextLength, batchSize, microBatchSize, sequences, threads, batchThreads, embeddings,
                flashAttention, unifiedKv, kvCacheType, pooling);
    }

    public ContextParams withThreads(int count) {
        return new ContextParams(contextLength, batchSize, microBatchSize, maxSequences, count, batchThreads, embeddings,
                flashAttention, unifiedKv, kvCacheType, pooling);
    }

    public ContextParams withFlashAttention(FlashAttention mode) {
        return new ContextParams(contextLength, batchSize, microBatchSize, maxSequences, threads, batchThreads, embeddings,
                mode, unifiedKv, kvCacheType, pooling);
    }
}
