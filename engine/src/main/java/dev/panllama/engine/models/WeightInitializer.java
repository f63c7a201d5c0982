package dev.panllama.engine.models;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.ggml_tensor;
import dev.panllama.bindings.internal.llama_model_set_tensor_data_t;
import dev.panllama.engine.UnsupportedModelException;
import dev.panllama.engine.nativeapi.CString;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleConsumer;
import java.util.stream.IntStream;

/**
 * The {@code set_tensor_data} callback of {@code llama_model_init_from_user}: fills each tensor llama.cpp creates
 * with seeded pseudo-random weights (norm scales 1, norm biases 0, everything else N(0, 0.02)) and remembers the
 * tensor so it can be written afterwards.
 *
 * <p>Each tensor's values depend only on the seed and the tensor's name, never on the order llama.cpp visits
 * tensors in. The callback runs inside native code, where an escaping exception would kill the JVM: it catches
 * everything, skips the remaining tensors, and {@link #rethrowFailure} reports the first failure once the
 * native call has returned.
 */
final class WeightInitializer implements AutoCloseable {
    private static final int CHUNK = 1 << 20;
    private static final float STDDEV = 0.02f;

    /** A tensor of the model, valid while the model lives. */
    record Tensor(String name, MemorySegment pointer, long elements) {}

    private final long seed;
    private final long expectedElements;
    private final DoubleConsumer progress;
    /**
     * Chunk buffers, shared because chunks fill on the common pool's threads: a chunk takes an idle set or makes one and
     * gives it back, so there are at most as many sets as chunks ever filled at once, all freed by {@link #close}
     * (a thread-local set would stay in each pool thread, holding a closed arena's segments, after the model is built).
     */
    private final Arena scratch = Arena.ofShared();
    private final Queue<Scratch> idle = new ConcurrentLinkedQueue<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private long filledElements;
    /** The first failure, from the callback or from one of its chunks on a pool thread. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * @param expectedElements about how many weights llama.cpp will create, for the progress fraction
     * @param progress         receives the fraction filled so far; may throw to abort
     */
    WeightInitializer(long seed, long expectedElements, DoubleConsumer progress) {
        this.seed = seed;
        this.expectedElements = Math.max(1, expectedElements);
        this.progress = progress;
    }

    /** The function pointer to pass to llama.cpp; valid while {@code arena} is open. */
    MemorySegment callback(Arena arena) {
        return llama_model_set_tensor_data_t.allocate(this::onTensor, arena);
    }

    private void onTensor(MemorySegment tensor, MemorySegment userData) {
        if (failure.get() != null) {
            return;
        }
        try {
            fill(tensor.reinterpret(ggml_tensor.layout().byteSize()));
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    private void fill(MemorySegment tensor) {
        String name = ggml_tensor.name(tensor).getString(0);
        int type = ggml_tensor.type(tensor);
        boolean half = type == LlamaCpp.GGML_TYPE_F16();
        if (!half && type != LlamaCpp.GGML_TYPE_F32()) {
            throw new UnsupportedModelException("llama.cpp created tensor " + name + " as "
                    + CString.read(LlamaCpp.ggml_type_name(type)) + "; only F32 and F16 can be generated");
        }
        long elements = LlamaCpp.ggml_nelements(tensor);
        long elementBytes = half ? 2 : Float.BYTES;
        if (LlamaCpp.ggml_nbytes(tensor) != elements * elementBytes) {
            throw new UnsupportedModelException("tensor " + name + " is not contiguous; cannot fill it");
        }
        ValueRule rule = ValueRule.of(name);
        long tensorSeed = seed ^ nameHash(name);
        int chunks = (int) ((elements + CHUNK - 1) / CHUNK);
        // each chunk has a seed of its own, so chunks fill in parallel (an 8B model is 8G draws) and every value still
        // depends only on the seed, the name and its position; chunk 0's seed is the tensor's, as before chunking
        // A chunk keeps its failure instead of throwing it: a throw would end forEach while other chunks still write
        // into the tensor and the scratch buffers, which llama.cpp and close() free once the callback reports it.
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            try {
                fillChunk(tensor, rule, tensorSeed, chunk, elements, half);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        if (failure.get() != null) {
            return;
        }
        filledElements += elements;
        progress.accept(Math.min(1.0, (double) filledElements / expectedElements));
        tensors.add(new Tensor(name, MemorySegment.ofAddress(tensor.address()), elements));
    }

    private void fillChunk(MemorySegment tensor, ValueRule rule, long tensorSeed, int chunk, long elements, boolean half) {
        long start = (long) chunk * CHUNK;
        int n = (int) Math.min(CHUNK, elements - start);
        long elementBytes = half ? 2 : Float.BYTES;
        Scratch buffer = Objects.requireNonNullElseGet(idle.poll(), this::newScratch);
        try {
            rule.fill(buffer.values, n, new SplittableRandom(tensorSeed + chunk * 0x9E3779B97F4A7C15L));
            MemorySegment.copy(buffer.values, 0, buffer.f32, ValueLayout.JAVA_FLOAT, 0, n);
            MemorySegment source = buffer.f32;
            if (half) {
                LlamaCpp.ggml_fp32_to_fp16_row(buffer.f32, buffer.f16, n);
                source = buffer.f16;
            }
            // a CPU buffer's tensor_set is a memcpy: chunks write disjoint ranges of the tensor
            LlamaCpp.ggml_backend_tensor_set(tensor, source, start * elementBytes, n * elementBytes);
        } finally {
            idle.add(buffer);
        }
    }

    /** One thread's chunk buffers: the draws, and them as F32 and F16 in native memory. */
    private record Scratch(float[] values, MemorySegment f32, MemorySegment f16) {}

    private Scratch newScratch() {
        synchronized (scratch) {
            return new Scratch(new float[CHUNK], scratch.allocate(ValueLayout.JAVA_FLOAT, CHUNK),
                    scratch.allocate(ValueLayout.JAVA_SHORT, CHUNK));
        }
    }

    /** The tensors llama.cpp created, in its order. */
    List<Tensor> tensors() {
        return List.copyOf(tensors);
    }

    /** Throws what went wrong inside the callback, if anything did. */
    void rethrowFailure() {
        switch (failure.get()) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable t -> throw new IllegalStateException("generating weights failed", t);
        }
    }

    /** FNV-1a over the UTF-8 name: stable across runs and JVMs, unlike identity hashes. */
    private static long nameHash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    @Override
    public void close() {
        scratch.close();
    }

    /** What a tensor holds at initialization, decided by its llama.cpp name. */
    private enum ValueRule {
        ONE, ZERO, NORMAL;

        static ValueRule of(String name) {
            if (name.contains("norm")) {
                return name.endsWith(".bias") ? ZERO : ONE; // identity normalisation, as a freshly built model has
            }
            if (name.startsWith("rope_freqs.") || name.endsWith(".scale") || name.endsWith(".input_scale")) {
                return ONE; // divisors and multipliers: 1 leaves RoPE and the matrices unscaled
            }
            return NORMAL;
        }

        void fill(float[] values, int n, SplittableRandom random) {
            switch (this) {
                case ONE -> Arrays.fill(values, 0, n, 1f);
                case ZERO -> Arrays.fill(values, 0, n, 0f);
                case NORMAL -> {
                    for (int i = 0; i < n; i++) {
                        values[i] = (float) random.nextGaussian() * STDDEV;
                    }
                }
            }
        }
    }
}
