package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.ggml_tensor;
import dev.panllama.bindings.internal.llama_sampler_data;
import dev.panllama.bindings.internal.llama_sampler_i;
import dev.panllama.bindings.internal.llama_token_data;
import dev.panllama.bindings.internal.llama_token_data_array;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Greedy picking inside the decode graph for any number of sequences with one argmax op.
 * <p>
 * llama.cpp hands each sequence's sampler a view of one row of the step's logits, and its own greedy sampler adds an
 * argmax op per view. On a GPU each of those runs on a single block, one after another: at 32 sequences of a 128k
 * vocabulary that is about a millisecond a step on an H200, longer than the host would take to scan the rows. The
 * samplers made here add, for the first view of a graph, one argmax over the whole logits tensor behind the views (a
 * block per row, all rows at once), and give each sequence the entry of its row. The picks are the same argmax.
 * <p>
 * Each sampler also clears the logits llama.cpp hands it, which llama.cpp would otherwise copy back to the host as the
 * sampler's output: at 32 sequences of a 128k vocabulary, 16 MB a step that nothing reads.
 * <p>
 * Handing each sequence its entry through llama.cpp costs a device-to-host copy per sequence after every decode. When
 * the coming decode is one micro-batch ({@link #planDecode}), the graph instead keeps the whole argmax as an output and
 * {@link #keptPick} brings every row's pick back in one copy; llama.cpp then copies nothing per sequence.
 * <p>
 * One per context: llama.cpp builds a context's graphs on the thread that decodes, one at a time, and announces each
 * build to the samplers ({@code backend_reset}) before asking them for ops, which is when the remembered op is dropped.
 * The upcall stubs and the interface table live in this object's arena, which must outlive every sampler made here.
 */
final class GraphArgmax implements AutoCloseable {
    private static final long TENSOR_BYTES = ggml_tensor.layout().byteSize();
    private static final long TOKEN_DATA_BYTES = llama_token_data.layout().byteSize();

    private final Arena arena = Arena.ofShared();
    /** Waits until the context's last decode is done on its device (the read-back copy does not wait for it). */
    private final Runnable waitForDevice;
    private final MemorySegment iface;
    private final MemorySegment name;
    /** The logits tensor whose rows {@link #rowsArgmax} picks from, in the graph being built; NULL between builds. */
    private MemorySegment rows = MemorySegment.NULL;
    private MemorySegment rowsArgmax = MemorySegment.NULL;
    /** The matrix's row stride and row count, read once per graph build. */
    private long rowBytes = 1;
    private long rowCount;
    /** Whether graphs built from now on keep their argmax for {@link #keptPick} (set before each decode). */
    private boolean keepPicks;
    /** The argmax the last built graph kept as an output, or NULL when it handed picks to llama.cpp per row. */
    private MemorySegment keptPicks = MemorySegment.NULL;
    /** The kept picks of the last decode, read at the first ask after it; null until a decode reads any. */
    private MemorySegment picks;
    private boolean picksRead;
    /** Picks taken from an argmax over a whole logits matrix, and the most such ops one graph got: for tests. */
    private long sharedPicks;
    private int opsThisBuild;
    private int mostOpsInABuild;

    GraphArgmax(Runnable waitForDevice) {
        this.waitForDevice = waitForDevice;
        name = arena.allocateFrom("panllama-graph-argmax");
        iface = arena.allocate(llama_sampler_i.layout());
        llama_sampler_i.name(iface, llama_sampler_i.name.allocate(sampler -> name, arena));
        llama_sampler_i.apply(iface, llama_sampler_i.apply.allocate(GraphArgmax::pickOnHost, arena));
        // every backend llama.cpp samples on (CPU, CUDA, Metal, Vulkan) has an argmax op
        llama_sampler_i.backend_init(iface, llama_sampler_i.backend_init.allocate((sampler, buft, outputs) -> true, arena));
        llama_sampler_i.backend_apply(iface, llama_sampler_i.backend_apply.allocate(this::addPick, arena));
        llama_sampler_i.backend_reset(iface, llama_sampler_i.backend_reset.allocate(sampler -> forget(), arena));
    }

    /**
     * A new sampler for one sequence, in a chain of its own (llama_set_sampler takes chains). It holds no state of
     * its own: freeing the chain frees it.
     */
    SamplerChain newChain() {
        return SamplerChain.of(LlamaCpp.llama_sampler_init(iface, MemorySegment.NULL));
    }

    /**
     * Whether graphs built for the coming decode keep their argmax to be read back in one copy. Only for a decode of
     * one micro-batch: with several, each computes its own graph and only the last one's picks could be read.
     */
    void planDecode(boolean keep) {
        keepPicks = keep;
        picksRead = false;
    }

    /**
     * Whether the graph that ran last kept its picks for {@link #keptPick}. llama.cpp runs a decode on the graph it
     * built last, or reuses the one before when nothing was built since, so the last build tells.
     */
    boolean picksKept() {
        return !keptPicks.equals(MemorySegment.NULL);
    }

    /**
     * Output row {@code row}'s pick from the graph that ran last (see {@link #picksKept}). The first ask after a decode
     * waits for the device and copies all {@code rows} picks back at once.
     */
    int keptPick(int row, int rows) {
        if (!picksRead) {
            MemorySegment kept = keptPicks.reinterpret(TENSOR_BYTES);
            // ggml_backend_tensor_get asserts both (and would abort the process)
            if (rows > ggml_tensor.ne(kept, 0)) {
                throw new IllegalStateException("the graph picked for " + ggml_tensor.ne(kept, 0) + " rows, not " + rows);
            }
            if (ggml_tensor.buffer(kept).equals(MemorySegment.NULL)) {
                throw new IllegalStateException("the graph's picks have no memory: the graph that ran was not allocated");
            }
            if (picks == null || picks.byteSize() < (long) rows * Integer.BYTES) {
                picks = arena.allocate(ValueLayout.JAVA_INT, Math.max(rows, 64));
            }
            waitForDevice.run();
            LlamaCpp.ggml_backend_tensor_get(kept, picks, 0, (long) rows * Integer.BYTES);
            picksRead = true;
        }
        return picks.getAtIndex(ValueLayout.JAVA_INT, row);
    }

    /** A new graph is being built: the previous one's argmax op is gone with it. */
    private void forget() {
        rows = MemorySegment.NULL;
        rowsArgmax = MemorySegment.NULL;
        keptPicks = MemorySegment.NULL;
        opsThisBuild = 0;
    }

    /**
     * Sets the sampler data's {@code sampled} to the argmax of its {@code logits}, and clears {@code logits}. On a
     * failure no pick is set, so llama.cpp has no token for the row and {@link Context#deviceSampledToken} reports it; an
     * exception must never reach native code.
     */
    private void addPick(MemorySegment sampler, MemorySegment ctx, MemorySegment graph, MemorySegment dataPointer) {
        try {
            if (dataPointer.equals(MemorySegment.NULL)) {
                return;
            }
            MemorySegment data = dataPointer.reinterpret(llama_sampler_data.layout().byteSize());
            MemorySegment logitsPointer = llama_sampler_data.logits(data);
            if (logitsPointer.equals(MemorySegment.NULL)) {
                return; // reading a tensor at address 0 would kill the process, which no catch prevents
            }
            MemorySegment logits = logitsPointer.reinterpret(TENSOR_BYTES);
            // llama.cpp hands a sampler its row as data.logits and copies whatever is left there back to the host as
            // the sampler's output logits (a 128k-entry row per sequence, every step): the pick is all that is wanted
            llama_sampler_data.logits(data, MemorySegment.NULL);
            MemorySegment source = ggml_tensor.view_src(logits);
            MemorySegment sampled;
            if (!source.equals(MemorySegment.NULL) && (source.equals(rows) || startShared(ctx, graph, logits, source))) {
                sharedPicks++;
                if (keepPicks) {
                    return; // nothing for llama.cpp to copy: keptPick brings all rows back at once
                }
                long offset = ggml_tensor.view_offs(logits);
                sampled = offset % rowBytes == 0 && offset / rowBytes < rowCount
                        ? LlamaCpp.ggml_view_1d(ctx, rowsArgmax, 1, offset / rowBytes * Integer.BYTES)
                        : loneArgmax(ctx, logits);
            } else {
                // not a row of a logits matrix (llama.cpp probes a sampler with a lone vector): an argmax of its own
                sampled = loneArgmax(ctx, logits);
            }
            llama_sampler_data.sampled(data, sampled);
        } catch (Throwable t) {
            // leave sampled unset (see above)
        }
    }

    /**
     * The first sampler of a graph whose logits are a row of a matrix: adds the one argmax over all the matrix's rows.
     * Later samplers of the same graph only compare pointers and offsets, as a graph build calls one upcall per
     * sequence (with 32 sequences, a rebuild with these samplers measured 0.1-0.2 ms more than one without).
     *
     * @return false when {@code logits} is not one whole row of a float matrix
     */
    private boolean startShared(MemorySegment ctx, MemorySegment graph, MemorySegment logits, MemorySegment source) {
        MemorySegment matrix = source.reinterpret(TENSOR_BYTES);
        if (!isRowOf(logits, matrix)) {
            return false;
        }
        rowsArgmax = LlamaCpp.ggml_argmax(ctx, source);
        rows = source;
        rowBytes = ggml_tensor.nb(matrix, 1);
        rowCount = ggml_tensor.ne(matrix, 1);
        mostOpsInABuild = Math.max(mostOpsInABuild, ++opsThisBuild);
        if (keepPicks) {
            // an output, so the allocator keeps its memory to the end; in the graph, as no sampler hands llama.cpp a
            // tensor that would bring it in
            LlamaCpp.ggml_set_output(rowsArgmax);
            LlamaCpp.ggml_build_forward_expand(graph, rowsArgmax);
            keptPicks = rowsArgmax;
        }
        return true;
    }

    private static MemorySegment loneArgmax(MemorySegment ctx, MemorySegment logits) {
        return LlamaCpp.ggml_argmax(ctx, LlamaCpp.ggml_reshape_1d(ctx, logits, LlamaCpp.ggml_nelements(logits)));
    }

    /** Whether {@code view} is exactly one whole row of the contiguous float matrix {@code source}. */
    private static boolean isRowOf(MemorySegment view, MemorySegment source) {
        long width = ggml_tensor.ne(source, 0);
        long rowBytes = ggml_tensor.nb(source, 1);
        long offset = ggml_tensor.view_offs(view);
        return ggml_tensor.type(source) == LlamaCpp.GGML_TYPE_F32()
                && ggml_tensor.ne(source, 2) == 1 && ggml_tensor.ne(source, 3) == 1
                && LlamaCpp.ggml_is_contiguous(source)
                && LlamaCpp.ggml_n_dims(view) == 1 && ggml_tensor.ne(view, 0) == width
                && rowBytes == width * Float.BYTES && offset % rowBytes == 0 && offset / rowBytes < ggml_tensor.ne(source, 1);
    }

    int mostOpsInABuild() {
        return mostOpsInABuild;
    }

    long sharedPicks() {
        return sharedPicks;
    }

    /** The host path of the same pick (llama_sampler_apply): the candidate with the highest logit. */
    private static void pickOnHost(MemorySegment sampler, MemorySegment arrayPointer) {
        try {
            if (arrayPointer.equals(MemorySegment.NULL)) {
                return;
            }
            MemorySegment array = arrayPointer.reinterpret(llama_token_data_array.layout().byteSize());
            long size = llama_token_data_array.size(array);
            if (size <= 0 || llama_token_data_array.data(array).equals(MemorySegment.NULL)) {
                return;
            }
            // a valid pick before anything can fail: llama.cpp asserts (and aborts the process) on none
            llama_token_data_array.selected(array, 0);
            MemorySegment candidates = llama_token_data_array.data(array).reinterpret(size * TOKEN_DATA_BYTES);
            // read in place: a slice per candidate would allocate 128k objects a pick
            long logit = llama_token_data.logit$offset();
            long best = 0;
            float bestLogit = candidates.get(ValueLayout.JAVA_FLOAT, logit);
            for (long i = 1; i < size; i++) {
                float value = candidates.get(ValueLayout.JAVA_FLOAT, i * TOKEN_DATA_BYTES + logit);
                if (value > bestLogit) {
                    bestLogit = value;
                    best = i;
                }
            }
            llama_token_data_array.selected(array, best);
        } catch (Throwable t) {
            // an exception must never reach native code; the first candidate stays picked
        }
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
