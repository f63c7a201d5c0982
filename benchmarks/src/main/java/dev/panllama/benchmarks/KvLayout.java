package dev.panllama.benchmarks;

/**
 * The KV layout a benchmark's concurrent streams run in, on panllama's side and on llama.cpp's: a stream per sequence
 * (llama-batched-bench's default) or one unified buffer (its {@code -kvu}), and whether panllama's engine pins its
 * attention view to the cache's whole length ({@code EngineArgs.pinKvView}), which needs the unified buffer.
 *
 * @param pinKvView pin panllama's attention view
 * @param kvUnified one unified KV buffer asked for
 */
public record KvLayout(boolean pinKvView, boolean kvUnified) {
    /** A stream per sequence, the view not pinned: both sides' defaults. */
    public static final KvLayout STREAMS = new KvLayout(false, false);

    /** Whether the streams share one KV buffer: asked for, or needed by the pinned view. */
    public boolean unified() {
        return kvUnified || pinKvView;
    }
}
