package dev.panllama.engine.nativeapi;

/** llama.cpp's {@code llama_pooling_type}: how per-token states become one output per sequence. */
public enum PoolingType {
    UNSPECIFIED(-1),
    NONE(0),
    MEAN(1),
    CLS(2),
    LAST(3),
    /** Classifier/reranker head on the pooled state: outputs scores, not an embedding. */
    RANK(4);

    private final int value;

    PoolingType(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static PoolingType of(int value) {
        for (PoolingType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown llama_pooling_type " + value);
    }
}
