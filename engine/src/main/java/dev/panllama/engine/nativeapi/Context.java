package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLog;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_context_params;
import dev.panllama.bindings.internal.llama_perf_context_data;
import dev.panllama.engine.NativeCallException;
import dev.panllama.engine.UnsupportedModelException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.List;

/**
 * A llama.cpp context: the KV cache and compute state for up to {@code maxSequences} sequences of one model.
 * Every call on a context must come from one thread at a time (llama.cpp's contexts are not thread-safe).
 * {@link #decode} checks in Java everything that would make llama.cpp assert and kill the process.
 */
public final class Context implements AutoCloseable {
    private final Model model;
    private final Arena arena;
    private final MemorySegment handle;
    private final MemorySegment memory;
    private final int contextLength;
    private final int batchSize;
    private final int microBatchSize;
    private final int maxSequences;
    /** Sequence ids the KV memory accepts: all of llama.cpp's 256 in a unified cache, else one per stream. */
    private final int memorySequences;
    private final int vocabSize;
    private final ContextParams params;
    /** Batch indices that produced logits in the last successful decode: only those may be read or sampled. */
    private final BitSet outputs = new BitSet();
    /** Sequences sampling in the graph that already have an output in the batch being validated. */
    private final BitSet deviceGreedyOutputs = new BitSet();
    /** Batch indices of the last decode whose token was picked inside the graph (see {@link #setDeviceGreedy}). */
    private final BitSet deviceSampled = new BitSet();
    /** Sequences whose outputs are picked greedily inside the graph, each with the chain llama.cpp holds for it. */
    private final SamplerChain[] deviceGreedy;
    private int deviceGreedyCount;
    /** Makes the in-graph greedy samplers (one argmax op for all of a step's rows); made at the first one. */
    private GraphArgmax graphArgmax;
    private int lastBatchSize;
    /** Output row of each batch index of the last decode (the order llama.cpp stores outputs in), and how many. */
    private int[] outputRow = new int[0];
    private int outputCount;
    /** Whether the last decode's graph kept its picks for one read-back. */
    private boolean picksInGraph;
    /** Where {@link #graphReuses} has llama.cpp's counters returned, reused so that asking twice a step allocates nothing. */
    private final java.lang.foreign.SegmentAllocator perfData;
    /** What llama.cpp applies now, so a closing adapter can be taken off before its memory goes. */
    private List<LoraAdapter> loraAdapters = List.of();
    private float[] loraScales = new float[0];

    /**
     * In-graph picks of at least this many outputs come back in one read of the graph's argmax; fewer go through
     * llama.cpp's copy per output, which rides on the decode's own stream and costs less than a separate read for one
     * or two (on an H200: about 10 µs for the read, 2-3 µs per copy).
     */
    static final int READ_BACK_FROM_OUTPUTS = 4;

    /** llama.cpp's LLAMA_MAX_SEQ: the width of every KV cell's sequence set. */
    public static final int MAX_SEQUENCE_IDS = 256;

    private Context(Model model, Arena arena, MemorySegment handle, ContextParams params) {
        this.model = model;
        this.params = params;
        this.arena = arena;
        this.handle = handle;
        this.memory = LlamaCpp.llama_get_memory(handle).reinterpret(arena, null);
        this.contextLength = LlamaCpp.llama_n_ctx(handle);
        this.batchSize = LlamaCpp.llama_n_batch(handle);
        this.microBatchSize = LlamaCpp.llama_n_ubatch(handle);
        this.maxSequences = LlamaCpp.llama_n_seq_max(handle);
        this.deviceGreedy = new SamplerChain[maxSequences];
        this.memorySequences = params.unifiedKv() ? MAX_SEQUENCE_IDS : maxSequences;
        this.vocabSize = model.vocab().tokenCount();
        this.perfData = java.lang.foreign.SegmentAllocator.prefixAllocator(arena.allocate(llama_perf_context_data.layout()));
    }

    public static Context create(Model model, ContextParams params) {
        if (model.vocabOnly()) {
            throw new UnsupportedModelException(model.path() + " was loaded vocab-only: it has no weights to run."
                    + " Load it without vocabOnly to create a context.");
        }
        int trained = model.trainingContextLength();
        int length = params.contextLength() > 0 ? params.contextLength()
                : Math.min(trained > 0 ? trained : ContextParams.DEFAULT_MAX_CONTEXT, ContextParams.DEFAULT_MAX_CONTEXT);
        int threads = params.threads() > 0 ? params.threads() : Runtime.getRuntime().availableProcessors();
        // llama.cpp reserves an output row per sequence and asserts (aborting the process) when they outnumber a batch's
        // outputs, its batch size, which it caps at the context length
        int batchCap = Math.min(length, params.batchSize());
        if (params.maxSequences() > batchCap) {
            throw new IllegalArgumentException(params.maxSequences() + " sequences exceed the " + batchCap
                    + " tokens a batch may carry (the batch size, at most the context length): raise the batch size"
                    + " or lower the sequences");
        }
        Arena arena = Arena.ofShared();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment cp = LlamaCpp.llama_context_default_params(call);
            llama_context_params.n_ctx(cp, length);
            llama_context_params.n_batch(cp, params.batchSize());
            llama_context_params.n_ubatch(cp, params.microBatchSize());
            llama_context_params.n_seq_max(cp, params.maxSequences());
            llama_context_params.n_threads(cp, threads);
            llama_context_params.n_threads_batch(cp, params.batchThreads() > 0 ? params.batchThreads() : threads);
            llama_context_params.embeddings(cp, params.embeddings());
            llama_context_params.kv_unified(cp, params.unifiedKv());
            if (params.pooling() != null) {
                llama_context_params.pooling_type(cp, params.pooling().value());
            }
            int kvType = KvCacheTypes.ggmlType(params.kvCacheType());
            llama_context_params.type_k(cp, kvType);
            llama_context_params.type_v(cp, kvType);
            llama_context_params.flash_attn_type(cp, switch (params.flashAttention()) {
                case AUTO -> LlamaCpp.LLAMA_FLASH_ATTN_TYPE_AUTO();
                case ENABLED -> LlamaCpp.LLAMA_FLASH_ATTN_TYPE_ENABLED();
                case DISABLED -> LlamaCpp.LLAMA_FLASH_ATTN_TYPE_DISABLED();
            });
            NativeLog.takeErrors();
            MemorySegment raw = LlamaCpp.llama_init_from_model(model.handle(), cp);
            if (raw.equals(MemorySegment.NULL)) {
                throw new NativeCallException("llama.cpp could not create a context for " + model.path() + ": "
                        + orNoDetail(NativeLog.takeErrors()));
            }
            Context context = new Context(model, arena, raw.reinterpret(arena, LlamaCpp::llama_free), params);
            model.register(context);
            return context;
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    MemorySegment handle() {
        return handle;
    }

    public Model model() {
        return model;
    }

    /** The parameters it was created with, to create an equal one again. */
    public ContextParams params() {
        return params;
    }

    public int contextLength() {
        return contextLength;
    }

    public int batchSize() {
        return batchSize;
    }

    public int maxSequences() {
        return maxSequences;
    }

    /** Whether one KV buffer holds every sequence's cells, which sequences can then share; else each has its own stream. */
    public boolean unifiedKv() {
        return params.unifiedKv();
    }

    /** Tokens one graph evaluation computes; a memory-less (encoder) model must fit a whole batch in it. */
    public int microBatchSize() {
        return microBatchSize;
    }

    /** False for memory-less encoders (BERT family): they keep no KV cache and run each batch whole. */
    public boolean hasMemory() {
        return memory.address() != 0;
    }

    /** The pooling this context applies: llama.cpp's {@code llama_pooling_type} value (0 = none). */
    public PoolingType poolingType() {
        return PoolingType.of(LlamaCpp.llama_pooling_type(handle));
    }

    /**
     * The pooled output of a sequence from the last decode: its embedding ({@code n_embd_out} floats), or for
     * {@link PoolingType#RANK} its classifier scores ({@code n_cls_out} floats).
     *
     * @throws IllegalStateException when the context pools nothing or the sequence was not in the last batch
     */
    public float[] sequenceEmbedding(int seq) {
        if (seq < 0 || seq >= maxSequences) {
            throw new IllegalArgumentException("sequence id " + seq + " is outside [0, " + maxSequences + ")");
        }
        PoolingType pooling = poolingType();
        if (pooling == PoolingType.NONE) {
            throw new IllegalStateException("this context pools nothing (pooling none): no per-sequence embedding");
        }
        if (lastBatchSize == 0) {
            throw new IllegalStateException("no successful decode to read an embedding from");
        }
        MemorySegment row = LlamaCpp.llama_get_embeddings_seq(handle, seq);
        if (row.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("no embedding for sequence " + seq + " in the last decode: "
                    + orNoDetail(NativeLog.takeErrors()));
        }
        int width = pooling == PoolingType.RANK ? LlamaCpp.llama_model_n_cls_out(model.handle())
                : LlamaCpp.llama_model_n_embd_out(model.handle());
        return row.reinterpret((long) width * Float.BYTES).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    }

    /**
     * Sequence ids usable in KV memory calls (copy, remove, position queries). In a unified cache that is all
     * 256 ids llama.cpp tracks per cell, beyond the {@link #maxSequences} a batch may carry: ids past the
     * batch range can hold KV cells that no batch writes directly, such as cached prefixes.
     */
    public int memorySequences() {
        return memorySequences;
    }

    /**
     * Runs the model over a batch.
     *
     * @return true when decoded; false when the KV cache has no room for it (nothing was kept: free
     *         sequences or shrink the batch and retry)
     * @throws IllegalArgumentException for a batch llama.cpp would reject or assert on
     * @throws NativeCallException      when llama.cpp fails
     */
    public boolean decode(Batch batch) {
        validate(batch);
        if (graphArgmax != null) {
            // the cheap count first: the layout check reads every token's sequence id
            boolean keep = deviceGreedyOutputs.cardinality() >= READ_BACK_FROM_OUTPUTS && runsAsOneMicroBatchInOrder(batch);
            if (!keep && !splitsInOrder() && graphArgmax.picksKept() && !deviceGreedyOutputs.isEmpty()) {
                // a graph that kept its picks hands llama.cpp none per row, and llama.cpp would reuse it for any
                // micro-batch of its shape: per-sequence streams may split this batch into one, losing its picks
                renewDeviceGreedy(deviceGreedyOutputs.nextSetBit(0));
            }
            graphArgmax.planDecode(keep);
        }
        int rc = LlamaCpp.llama_decode(handle, batch.struct());
        outputs.clear();
        deviceSampled.clear();
        picksInGraph = false;
        lastBatchSize = 0;
        if (rc == 1) {
            return false;
        }
        if (rc != 0) {
            throw new NativeCallException("llama_decode failed with " + rc + ": " + orNoDetail(NativeLog.takeErrors()));
        }
        lastBatchSize = batch.size();
        if (outputRow.length < batch.size()) {
            outputRow = new int[batchSize];
        }
        int row = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.wantsLogits(i)) {
                outputRow[i] = row++;
                outputs.set(i);
                // llama.cpp samples an output in the graph by its token's first sequence
                if (deviceGreedy[batch.seqId(i, 0)] != null) {
                    deviceSampled.set(i);
                }
            }
        }
        outputCount = row;
        picksInGraph = !deviceSampled.isEmpty() && graphArgmax.picksKept();
        return true;
    }

    /** Whether llama.cpp splits any batch into micro-batches in batch order: one unified cache, or a single sequence. */
    private boolean splitsInOrder() {
        return params.unifiedKv() || maxSequences == 1;
    }

    /**
     * Whether llama.cpp decodes the batch as one micro-batch with its outputs in batch order, which reading the graph's
     * picks back by row relies on. A unified cache (or a single sequence) splits a batch in order. Per-sequence streams
     * split it equally: a micro-batch takes consecutive sequence ids with as many tokens each and lays them out
     * sequence by sequence, so the order holds for a batch that already is that: a decode step of one token per
     * sequence, in slot order, with no slot skipped.
     */
    private boolean runsAsOneMicroBatchInOrder(Batch batch) {
        if (batch.size() > microBatchSize) {
            return false;
        }
        if (splitsInOrder()) {
            return true;
        }
        int tokensEach = 0;
        int run = 0;
        int previous = -1;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.seqCount(i) != 1) {
                return false;
            }
            int seq = batch.seqId(i, 0);
            if (seq == previous) {
                run++;
                continue;
            }
            if (previous >= 0) {
                if (seq != previous + 1 || (tokensEach != 0 && run != tokensEach)) {
                    return false;
                }
                tokensEach = run;
            }
            previous = seq;
            run = 1;
        }
        return tokensEach == 0 || run == tokensEach;
    }

    /**
     * Has llama.cpp pick sequence {@code seq}'s next token greedily inside the decode graph (its backend sampling), so
     * that on a GPU the token is picked there and its logits row is never copied back: a 128k-entry row costs more to
     * copy and scan on the host than the pick costs on the device. Turning it on or off makes the next decode re-plan
     * its graph, so callers keep it on for a sequence as long as its requests allow. A sequence with it on may have
     * one output per decode, and {@link #logitsRow} refuses its rows.
     *
     * @return whether the sequence now samples in the graph (llama.cpp declines under tensor split)
     */
    public boolean setDeviceGreedy(int seq, boolean on) {
        if (seq < 0 || seq >= maxSequences) {
            throw new IllegalArgumentException("sequence " + seq + " is outside this context's " + maxSequences + " sequences");
        }
        if (on == (deviceGreedy[seq] != null)) {
            return on;
        }
        if (!on) {
            LlamaCpp.llama_set_sampler(handle, seq, MemorySegment.NULL);
            deviceGreedy[seq].close();
            deviceGreedy[seq] = null;
            deviceGreedyCount--;
            return false;
        }
        if (graphArgmax == null) {
            graphArgmax = new GraphArgmax(this::synchronize);
        }
        SamplerChain chain = graphArgmax.newChain();
        if (!LlamaCpp.llama_set_sampler(handle, seq, chain.handle())) {
            chain.close();
            return false;
        }
        deviceGreedy[seq] = chain;
        deviceGreedyCount++;
        return true;
    }

    /**
     * Gives sequence {@code seq}'s in-graph sampler a chain of its own anew. llama.cpp reuses a graph only for the same
     * samplers (compared by address), so the next decode builds its graphs afresh.
     */
    private void renewDeviceGreedy(int seq) {
        SamplerChain fresh = graphArgmax.newChain();
        if (!LlamaCpp.llama_set_sampler(handle, seq, fresh.handle())) {
            fresh.close();
            throw new NativeCallException("llama.cpp declined a new in-graph sampler for sequence " + seq
                    + ", which it accepted before: " + orNoDetail(NativeLog.takeErrors()));
        }
        deviceGreedy[seq].close(); // llama.cpp holds the new chain now
        deviceGreedy[seq] = fresh;
    }

    /** Turns in-graph picking off for every sequence from {@code firstSeq} on (one graph re-plan at the next decode). */
    public void clearDeviceGreedy(int firstSeq) {
        for (int seq = Math.max(0, firstSeq); seq < maxSequences; seq++) {
            setDeviceGreedy(seq, false);
        }
    }

    /** The maker of this context's in-graph samplers, null before the first (for tests of how graphs pick). */
    GraphArgmax graphArgmax() {
        return graphArgmax;
    }

    /**
     * How many logits llama.cpp copied back to the host for batch index {@code i}'s in-graph pick: for tests. The index
     * is checked here, as llama.cpp answers 0 for an index it does not know, which would read as nothing copied.
     */
    long pickedLogitsCopied(int i) {
        checkOutput(i);
        return Integer.toUnsignedLong(LlamaCpp.llama_get_sampled_logits_count_ith(handle, i));
    }

    /** Whether the last decode's graph kept its picks for one read-back (else llama.cpp copied them per row). */
    boolean picksReadBack() {
        return picksInGraph;
    }

    /** Whether sequence {@code seq}'s tokens are picked inside the graph. */
    public boolean isDeviceGreedy(int seq) {
        return seq >= 0 && seq < maxSequences && deviceGreedy[seq] != null;
    }

    /** The token picked inside the graph for batch index {@code i} of the last decode. */
    public int deviceSampledToken(int i) {
        checkOutput(i);
        if (!deviceSampled.get(i)) {
            throw new IllegalArgumentException("batch index " + i + " was not sampled in the graph: its sequence has no device sampler");
        }
        int token = picksInGraph ? graphArgmax.keptPick(outputRow[i], outputCount)
                : LlamaCpp.llama_get_sampled_token_ith(handle, i);
        if (token < 0 || token >= vocabSize) {
            throw new NativeCallException("no token sampled in the graph for batch index " + i + ": " + orNoDetail(NativeLog.takeErrors()));
        }
        return token;
    }

    /**
     * How many decodes llama.cpp has run on the previous decode's compute graph since the context was made, instead of
     * building and allocating a new graph (its performance counter {@code n_reused}).
     */
    public int graphReuses() {
        return llama_perf_context_data.n_reused(LlamaCpp.llama_perf_context(perfData, handle));
    }

    /**
     * Waits until the last decode has finished on its device. {@link #decode} may return while a GPU still computes;
     * reading logits waits for it anyway, so this only moves the wait to where a caller wants it measured.
     */
    public void synchronize() {
        LlamaCpp.llama_synchronize(handle);
    }

    private void validate(Batch batch) {
        deviceGreedyOutputs.clear();
        int n = batch.size();
        if (n == 0) {
            throw new IllegalArgumentException("cannot decode an empty batch");
        }
        if (n > batchSize) {
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds the context's batch size " + batchSize);
        }
        if (!hasMemory() && n > microBatchSize) {
            // llama.cpp asserts (and aborts the process) when an encoder's batch spans several micro-batches
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds the micro-batch size " + microBatchSize
                    + ": this model encodes a batch in one micro-batch");
        }
        for (int i = 0; i < n; i++) {
            int token = batch.token(i);
            if (token < 0 || token >= vocabSize) {
                throw new IllegalArgumentException("batch[" + i + "] token " + token + " is outside the vocabulary [0, "
                        + vocabSize + ")");
            }
            if (batch.position(i) >= contextLength) {
                throw new IllegalArgumentException("batch[" + i + "] position " + batch.position(i)
                        + " is beyond the context length " + contextLength);
            }
            // llama.cpp refuses the whole decode when a sequence sampling in the graph has more than one output
            BitSet outputsOf = batch.wantsLogits(i) && deviceGreedyCount > 0 ? deviceGreedyOutputs : null;
            for (int s = 0; s < batch.seqCount(i); s++) {
                int seq = batch.seqId(i, s);
                if (seq < 0 || seq >= maxSequences) {
                    throw new IllegalArgumentException("batch[" + i + "] sequence id " + seq + " is outside [0, "
                            + maxSequences + ")");
                }
                if (outputsOf != null && deviceGreedy[seq] != null) {
                    if (outputsOf.get(seq)) {
                        throw new IllegalArgumentException("batch[" + i + "] is a second output of sequence " + seq
                                + ", which samples in the graph: one output per decode (turn device greedy off for it)");
                    }
                    outputsOf.set(seq);
                }
            }
        }
        if (!deviceGreedyOutputs.isEmpty() && n > microBatchSize && splitsInOrder()) {
            throw new IllegalArgumentException("batch of " + n + " tokens has outputs picked in the graph: such a batch"
                    + " must fit one micro-batch of " + microBatchSize + " tokens (split it, or turn device greedy off)");
        }
    }

    /** Logits (one per vocabulary entry) of batch index {@code i} from the last decode. */
    public float[] logits(int i) {
        return logitsRow(i).toArray();
    }

    /** The live logits row of batch index {@code i} from the last decode, for in-place processing. */
    public LogitsRow logitsRow(int i) {
        checkOutput(i);
        if (deviceSampled.get(i)) {
            throw new IllegalArgumentException("batch index " + i + " was sampled in the graph: its logits never left the"
                    + " device (turn device greedy off for its sequence before decoding)");
        }
        MemorySegment row = LlamaCpp.llama_get_logits_ith(handle, i);
        if (row.equals(MemorySegment.NULL)) {
            throw new NativeCallException("no logits for batch index " + i + ": " + orNoDetail(NativeLog.takeErrors()));
        }
        return new LogitsRow(row.reinterpret((long) vocabSize * Float.BYTES), vocabSize);
    }

    /** Sampling or reading an index without logits would make llama.cpp assert: refuse it here. */
    void checkOutput(int i) {
        if (i < 0 || i >= lastBatchSize || !outputs.get(i)) {
            throw new IllegalArgumentException("batch index " + i + " produced no logits in the last decode"
                    + " (add its token with wantLogits=true)");
        }
    }

    /** Highest position held for a sequence, or -1 when it holds none. */
    public int sequencePositionMax(int seq) {
        checkMemorySequence(seq);
        return LlamaCpp.llama_memory_seq_pos_max(memory, seq);
    }

    /** Removes positions [from, to) of a sequence from the KV cache (-1 = open end). */
    public boolean removeSequence(int seq, int from, int to) {
        if (seq != -1) {
            checkMemorySequence(seq);
        } else {
            requireMemory();
        }
        return LlamaCpp.llama_memory_seq_rm(memory, seq, from, to);
    }

    /**
     * Makes {@code dst} share {@code src}'s cells for positions [from, to) (no copy in a unified cache). A cache of
     * per-sequence streams can only copy a whole stream ({@code from} &lt;= 0 and {@code to} &lt; 0): llama.cpp
     * asserts on a part, so that is refused here.
     */
    public void copySequence(int src, int dst, int from, int to) {
        checkMemorySequence(src);
        checkMemorySequence(dst);
        if (!params.unifiedKv() && src != dst && (from > 0 || to >= 0)) {
            throw new IllegalArgumentException("copying positions [" + from + ", " + to + ") of sequence " + src + " to "
                    + dst + " needs a unified KV cache: this context gives each sequence a stream of its own, which"
                    + " copies only whole (from <= 0, to < 0)");
        }
        LlamaCpp.llama_memory_seq_cp(memory, src, dst, from, to);
    }

    /**
     * Empties the KV cache and then holds its last cell with sequence {@code pinSeq}, so that llama.cpp's attention
     * view (n_kv: the used cells rounded up to 256) spans the whole cache from then on. llama.cpp builds a new decode
     * graph whenever that view grows, every 256 cells of growth, and a GPU then runs a step without its captured graph
     * and captures it anew on the next; with the view pinned, steady decoding keeps one graph. Every step then attends
     * over every cell, masked or not, which suits a cache sized to its load. The cell is reached by decoding the whole
     * length once through {@code batchSeq} (no outputs), keeping only the last position.
     */
    public void pinView(int batchSeq, int pinSeq) {
        checkMemorySequence(pinSeq);
        if (!params.unifiedKv()) {
            throw new IllegalStateException("pinning the attention view needs one unified KV cache");
        }
        if (batchSeq < 0 || batchSeq >= maxSequences || batchSeq == pinSeq) {
            throw new IllegalArgumentException("batch sequence " + batchSeq + " must be one of this context's "
                    + maxSequences + " and not the pinning one (" + pinSeq + ")");
        }
        clearMemory();
        int cells = contextLength();
        int token = Math.max(0, model.vocab().bos());
        try (Batch batch = new Batch(batchSize(), 1)) {
            for (int pos = 0; pos < cells; ) {
                batch.clear();
                for (int end = Math.min(cells, pos + batchSize()); pos < end; pos++) {
                    batch.add(token, pos, batchSeq, false);
                }
                if (!decode(batch)) {
                    throw new IllegalStateException("the KV cache had no room for position " + (pos - 1)
                            + " of " + cells + " while pinning its attention view");
                }
            }
        }
        copySequence(batchSeq, pinSeq, cells - 1, cells);
        removeSequence(batchSeq, -1, -1);
        if (sequencePositionMax(pinSeq) != cells - 1 || sequencePositionMax(batchSeq) != -1) {
            throw new IllegalStateException("pinning the attention view left sequence " + pinSeq + " at position "
                    + sequencePositionMax(pinSeq) + " and sequence " + batchSeq + " at " + sequencePositionMax(batchSeq));
        }
    }

    /** Drops every cell of the KV memory; a context without one has nothing to drop. */
    public void clearMemory() {
        if (hasMemory()) {
            LlamaCpp.llama_memory_clear(memory, true);
        }
    }

    private void checkMemorySequence(int seq) {
        if (seq < 0 || seq >= memorySequences) {
            throw new IllegalArgumentException("sequence id " + seq + " is outside [0, " + memorySequences + ")");
        }
        requireMemory();
    }

    /** llama.cpp would dereference the null memory of an encoder-only model: refuse here. */
    private void requireMemory() {
        if (!hasMemory()) {
            throw new IllegalStateException("this model's context has no KV memory");
        }
    }

    private static String orNoDetail(String error) {
        return error == null ? "no detail logged" : error;
    }

    /**
     * Replaces the set of LoRA adapters applied to every following decode ({@code y = Wx + scale·B(Ax)} in each
     * adapted matmul). An empty list applies none. KV computed under one set is not valid under another: callers
     * keep sequences of different sets apart.
     *
     * @throws IllegalArgumentException for adapters of another model, closed adapters, or non-finite scales
     */
    public void setLoraAdapters(List<LoraAdapter> adapters, float[] scales) {
        if (adapters.size() != scales.length) {
            throw new IllegalArgumentException(adapters.size() + " adapters but " + scales.length + " scales");
        }
        for (int i = 0; i < scales.length; i++) {
            LoraAdapter adapter = adapters.get(i);
            if (adapter.model() != model || !adapter.isOpen()) {
                throw new IllegalArgumentException(adapter + " is closed or belongs to another model");
            }
            if (!Float.isFinite(scales[i])) {
                throw new IllegalArgumentException("LoRA scale " + scales[i] + " is not finite");
            }
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment pointers = call.allocate(ValueLayout.ADDRESS, Math.max(1, adapters.size()));
            for (int i = 0; i < adapters.size(); i++) {
                pointers.setAtIndex(ValueLayout.ADDRESS, i, adapters.get(i).handle());
            }
            MemorySegment values = call.allocateFrom(ValueLayout.JAVA_FLOAT, scales.length == 0 ? new float[1] : scales);
            LlamaCpp.llama_set_adapters_lora(handle, pointers, adapters.size(), values);
        }
        loraAdapters = List.copyOf(adapters);
        loraScales = scales.clone();
    }

    /** The adapters applied now. */
    public List<LoraAdapter> loraAdapters() {
        return loraAdapters;
    }

    void dropLoraAdapter(LoraAdapter adapter) {
        int i = loraAdapters.indexOf(adapter);
        if (i < 0 || !isOpen()) {
            return;
        }
        List<LoraAdapter> kept = new java.util.ArrayList<>(loraAdapters);
        float[] scales = new float[kept.size() - 1];
        for (int j = 0, k = 0; j < kept.size(); j++) {
            if (j != i) {
                scales[k++] = loraScales[j];
            }
        }
        kept.remove(i);
        setLoraAdapters(kept, scales);
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
            // llama.cpp held these chains: free them only once the context is gone
            for (int seq = 0; seq < maxSequences; seq++) {
                if (deviceGreedy[seq] != null) {
                    deviceGreedy[seq].close();
                    deviceGreedy[seq] = null;
                }
            }
            deviceGreedyCount = 0;
            if (graphArgmax != null) {
                graphArgmax.close(); // after the samplers: freeing them reads its interface table
            }
            model.unregister(this);
        }
    }
}
