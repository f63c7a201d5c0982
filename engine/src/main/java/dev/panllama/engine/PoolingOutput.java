package dev.panllama.engine;

/** A pooled result: an embedding, or class/relevance scores, after vLLM's {@code PoolingOutput}. */
public record PoolingOutput(float[] data) {
    public PoolingOutput {
        data = data.clone();
    }

    @Override
    public float[] data() {
        return data.clone();
    }

    public int size() {
        return data.length;
    }
}
