package dev.panllama.engine;

import java.util.Locale;

/** What a pooling request asks of the model, with vLLM's task names. */
public enum PoolingTask {
    /** One vector per prompt (sentence embeddings). */
    EMBED,
    /** Class scores from a classification head. */
    CLASSIFY,
    /** A relevance score from a reranker (cross-encoder) head. */
    SCORE;

    /** vLLM's name: "embed", "classify", "score". */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
