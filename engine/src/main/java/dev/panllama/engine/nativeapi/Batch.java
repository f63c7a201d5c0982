package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.internal.llama_batch;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A reusable {@code llama_batch} whose arrays live in this batch's own confined {@link Arena} (no
 * {@code llama_batch_init}/{@code free}). One batch belongs to the thread that made it. Tokens of several
 * sequences may share a batch; {@link Context#decode} validates it before llama.cpp sees it.
 */
public final class Batch implements AutoCloseable {
    private static final AddressLayout POINTER = ValueLayout.ADDRESS;

    private final Arena arena = Arena.ofConfined();
    private final int capacity;
    private final int maxSeqsPerToken;
    private final MemorySegment struct;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment seqCounts;
    private final MemorySegment seqIds;
    private final MemorySegment idStorage;
    private final MemorySegment logits;
    private int size;

    /**
     * @param capacity        tokens the batch can hold (at most the context's batch size to be decodable)
     * @param maxSeqsPerToken sequences one token may belong to (1 unless prompts are shared)
     */
    public Batch(int capacity, int maxSeqsPerToken) {
        if (capacity < 1 || maxSeqsPerToken < 1) {
            throw new IllegalArgumentException("batch capacity and seqs per token must be >= 1, got "
                    + capacity + " and " + maxSeqsPerToken);
        }
        this.capacity = capacity;
        this.maxSeqsPerToken = maxSeqsPerToken;
        this.struct = arena.allocate(llama_batch.layout());
        this.tokens = arena.allocate(ValueLayout.JAVA_INT, capacity);
        this.positions = arena.allocate(ValueLayout.JAVA_INT, capacity);
        this.seqCounts = arena.allocate(ValueLayout.JAVA_INT, capacity);
        this.logits = arena.allocate(ValueLayout.JAVA_BYTE, capacity);
        this.seqIds = arena.allocate(POINTER, capacity);
        this.idStorage = arena.allocate(ValueLayout.JAVA_INT, (long) capacity * maxSeqsPerToken);
        for (int i = 0; i < capacity; i++) {
            seqIds.setAtIndex(POINTER, i, idStorage.asSlice((long) i * maxSeqsPerToken * Integer.BYTES));
        }
        llama_batch.token(struct, tokens);
        llama_batch.embd(struct, MemorySegment.NULL);
        llama_batch.pos(struct, positions);
        llama_batch.n_seq_id(struct, seqCounts);
        llama_batch.seq_id(struct, seqIds);
        llama_batch.logits(struct, logits);
    }

    public void clear() {
        size = 0;
    }

    /** Adds one token of one sequence; returns its index in the batch (the index its logits will have). */
    public int add(int token, int position, int seqId, boolean wantLogits) {
        int i = reserve(position, wantLogits, 1);
        tokens.setAtIndex(ValueLayout.JAVA_INT, i, token);
        idStorage.setAtIndex(ValueLayout.JAVA_INT, (long) i * maxSeqsPerToken, seqId);
        return i;
    }

    /** Adds one token shared by several sequences (a common prompt prefix). */
    public int add(int token, int position, int[] seqIds, boolean wantLogits) {
        if (seqIds.length < 1 || seqIds.length > maxSeqsPerToken) {
            throw new IllegalArgumentException("a token belongs to 1.." + maxSeqsPerToken + " sequences in this batch, got "
                    + seqIds.length);
        }
        int i = reserve(position, wantLogits, seqIds.length);
        tokens.setAtIndex(ValueLayout.JAVA_INT, i, token);
        for (int s = 0; s < seqIds.length; s++) {
            idStorage.setAtIndex(ValueLayout.JAVA_INT, (long) i * maxSeqsPerToken + s, seqIds[s]);
        }
        return i;
    }

    private int reserve(int position, boolean wantLogits, int seqCount) {
        if (size == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " tokens)");
        }
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        int i = size++;
        positions.setAtIndex(ValueLayout.JAVA_INT, i, position);
        seqCounts.setAtIndex(ValueLayout.JAVA_INT, i, seqCount);
        logits.set(ValueLayout.JAVA_BYTE, i, (byte) (wantLogits ? 1 : 0));
        return i;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int token(int i) {
        return tokens.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    public int position(int i) {
        return positions.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    public int seqCount(int i) {
        return seqCounts.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    public int seqId(int i, int which) {
        return idStorage.getAtIndex(ValueLayout.JAVA_INT, (long) i * maxSeqsPerToken + which);
    }

    public boolean wantsLogits(int i) {
        return logits.get(ValueLayout.JAVA_BYTE, i) != 0;
    }

    /** The struct to pass by value, with its token count brought up to date. */
    MemorySegment struct() {
        llama_batch.n_tokens(struct, size);
        return struct;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
