package dev.panllama.engine.nativeapi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One output row of logits inside llama.cpp's buffer, valid until the context's next decode. Writing to it
 * changes what a {@link SamplerChain} sampling this row sees, which is how per-request logits processing
 * (penalties, bias, masks) runs without copying the vocabulary.
 */
public final class LogitsRow {
    private final MemorySegment row;
    private final int size;

    LogitsRow(MemorySegment row, int size) {
        this.row = row;
        this.size = size;
    }

    public int size() {
        return size;
    }

    public float get(int token) {
        return row.getAtIndex(ValueLayout.JAVA_FLOAT, token);
    }

    public void set(int token, float value) {
        row.setAtIndex(ValueLayout.JAVA_FLOAT, token, value);
    }

    /**
     * The first token with the highest logit: what llama.cpp's greedy sampler picks, without copying the row
     * into a candidate array first (for a 128k vocabulary that copy costs more than the search).
     */
    public int argmax() {
        int best = 0;
        float bestLogit = get(0);
        for (int token = 1; token < size; token++) {
            float logit = row.getAtIndex(ValueLayout.JAVA_FLOAT, token);
            if (logit > bestLogit) {
                best = token;
                bestLogit = logit;
            }
        }
        return best;
    }

    /** Copies the row (e.g. raw logits for logprobs before processing changes them). */
    public float[] toArray() {
        return row.toArray(ValueLayout.JAVA_FLOAT);
    }

    /** Sets every entry to {@code value}, then restores the listed tokens (an allow-list mask). */
    public void fillExcept(float value, int[] keep) {
        float[] kept = new float[keep.length];
        for (int i = 0; i < keep.length; i++) {
            kept[i] = get(keep[i]);
        }
        for (long i = 0; i < size; i++) {
            row.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
        for (int i = 0; i < keep.length; i++) {
            set(keep[i], kept[i]);
        }
    }
}
