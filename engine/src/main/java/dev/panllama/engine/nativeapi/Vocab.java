package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.internal.LlamaCpp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A model's tokenizer. It lives as long as its {@link Model}. llama.cpp documents tokenization as
 * thread-safe, so these methods may be called from any thread.
 */
public final class Vocab {
    private final MemorySegment handle;
    private final Model model;
    private final int tokenCount;
    /**
     * Pieces already asked for, plain and with special tokens rendered: a token's piece never changes, and streaming
     * asks for one per generated token (and per logprob candidate). Filled lazily, safely published across threads.
     */
    private final AtomicReferenceArray<byte[]> pieces;
    private final AtomicReferenceArray<byte[]> specialPieces;

    Vocab(MemorySegment handle, Model model) {
        this.handle = handle;
        this.model = model;
        this.tokenCount = LlamaCpp.llama_vocab_n_tokens(handle);
        this.pieces = new AtomicReferenceArray<>(tokenCount);
        this.specialPieces = new AtomicReferenceArray<>(tokenCount);
    }

    MemorySegment handle() {
        return handle;
    }

    public int tokenCount() {
        return tokenCount;
    }

    /** BOS, or -1 when the vocabulary has none. */
    public int bos() {
        return LlamaCpp.llama_vocab_bos(handle);
    }

    public int eos() {
        return LlamaCpp.llama_vocab_eos(handle);
    }

    public boolean isEndOfGeneration(int token) {
        checkToken(token);
        return LlamaCpp.llama_vocab_is_eog(handle, token);
    }

    /** The token's text as stored in the vocabulary (e.g. with SentencePiece's '▁'). */
    public String tokenText(int token) {
        checkToken(token);
        return CString.read(LlamaCpp.llama_vocab_get_text(handle, token));
    }

    /**
     * Tokenizes UTF-8 text.
     *
     * @param addSpecial   add BOS/EOS as the model's metadata asks
     * @param parseSpecial treat special-token text (e.g. {@code <|eot_id|>}) as those tokens, not plain text
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment textSeg = call.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, textSeg, ValueLayout.JAVA_BYTE, 0, utf8.length);
            // a token covers at least one byte; +2 leaves room for BOS/EOS
            int capacity = utf8.length + 2;
            MemorySegment tokens = call.allocate(ValueLayout.JAVA_INT, capacity);
            int n = LlamaCpp.llama_tokenize(handle, textSeg, utf8.length, tokens, capacity, addSpecial, parseSpecial);
            if (n < 0) {
                tokens = call.allocate(ValueLayout.JAVA_INT, -n);
                n = LlamaCpp.llama_tokenize(handle, textSeg, utf8.length, tokens, -n, addSpecial, parseSpecial);
            }
            return tokens.asSlice(0, (long) n * Integer.BYTES).toArray(ValueLayout.JAVA_INT);
        }
    }

    /** Joins tokens into text; a multi-byte character split across tokens comes out whole. */
    public String detokenize(int[] tokens, boolean removeSpecial, boolean unparseSpecial) {
        for (int token : tokens) {
            checkToken(token);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ids = call.allocateFrom(ValueLayout.JAVA_INT, tokens);
            int capacity = Math.max(16, tokens.length * 8);
            MemorySegment text = call.allocate(capacity);
            int n = LlamaCpp.llama_detokenize(handle, ids, tokens.length, text, capacity, removeSpecial, unparseSpecial);
            if (n < 0) {
                capacity = -n;
                text = call.allocate(capacity);
                n = LlamaCpp.llama_detokenize(handle, ids, tokens.length, text, capacity, removeSpecial, unparseSpecial);
            }
            return new String(text.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /**
     * The raw bytes one token contributes to the text. They may be an incomplete UTF-8 sequence (byte-fallback
     * tokens): decode them with {@link Utf8Accumulator} when streaming.
     *
     * @param special render special tokens (e.g. {@code </s>}) as their text instead of nothing
     */
    public byte[] tokenToPiece(int token, boolean special) {
        checkToken(token);
        AtomicReferenceArray<byte[]> cache = special ? specialPieces : pieces;
        byte[] piece = cache.get(token);
        if (piece == null) {
            piece = pieceFromLlamaCpp(token, special);
            cache.set(token, piece);
        }
        return piece.clone(); // callers own what they get
    }

    private byte[] pieceFromLlamaCpp(int token, boolean special) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buf = call.allocate(64);
            int n = LlamaCpp.llama_token_to_piece(handle, token, buf, (int) buf.byteSize(), 0, special);
            if (n < 0) {
                buf = call.allocate(-n);
                n = LlamaCpp.llama_token_to_piece(handle, token, buf, (int) buf.byteSize(), 0, special);
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Token ids outside the vocabulary index llama.cpp's tables out of bounds: refuse them here. */
    public void checkToken(int token) {
        if (token < 0 || token >= tokenCount) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + tokenCount + ")"
                    + " of " + model.path().getFileName());
        }
    }
}
