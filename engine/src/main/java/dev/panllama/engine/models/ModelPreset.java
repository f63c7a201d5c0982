package dev.panllama.engine.models;

import java.util.List;
import java.util.Objects;

/**
 * The shape of a model to synthesize: a llama.cpp architecture, the hyper-parameters of a published model, and
 * the llama.cpp tokenizer file ({@code models/ggml-vocab-<vocab>.gguf}) whose tokens it uses. The presets copy
 * the public configs of the models they are named after; custom shapes can be built with {@link #builder}.
 *
 * @param name              short id used on the command line, e.g. {@code llama-3.2-1b}
 * @param description       one line for listings
 * @param architecture      llama.cpp architecture
 * @param vocab             tokenizer file name part: {@code llama-spm}, {@code llama-bpe}, {@code qwen2}, {@code bert-bge}
 * @param vocabSize         tokens in that tokenizer (checked against the file when synthesizing)
 * @param embeddingLength   n_embd
 * @param blockCount        transformer layers
 * @param headCount         attention heads
 * @param headCountKv       key/value heads (grouped-query attention when fewer than headCount)
 * @param feedForwardLength n_ff
 * @param contextLength     training context length
 * @param ropeFreqBase      RoPE theta (ignored by architectures without RoPE)
 * @param normEpsilon       RMS-norm or layer-norm epsilon, whichever the architecture uses
 * @param tiedEmbeddings    the output projection reuses the token embedding matrix
 * @param pooling           how an embedding model pools token states ({@link Pooling#NONE} for generators)
 * @param causal            causal attention (false for bidirectional encoders)
 */
public record ModelPreset(String name, String description, Architecture architecture, String vocab, int vocabSize,
                          int embeddingLength, int blockCount, int headCount, int headCountKv, int feedForwardLength,
                          int contextLength, float ropeFreqBase, float normEpsilon, boolean tiedEmbeddings,
                          Pooling pooling, boolean causal) {

    /** Token pooling of embedding models, with llama.cpp's {@code llama_pooling_type} values. */
    public enum Pooling {
        NONE(0), MEAN(1), CLS(2), LAST(3);

        private final int llamaValue;

        Pooling(int llamaValue) {
            this.llamaValue = llamaValue;
        }

        public int llamaValue() {
            return llamaValue;
        }
    }

    /** A few-MB llama with the real 32000-token Llama 2 SentencePiece tokenizer: fast enough for unit tests. */
    public static final ModelPreset TINY = builder("tiny", Architecture.LLAMA)
            .description("tiny llama for tests: 64-wide, 2 layers, Llama 2 SentencePiece tokenizer")
            .vocab("llama-spm", 32_000).embeddingLength(64).blockCount(2).heads(4, 2).feedForwardLength(128)
            .contextLength(512).ropeFreqBase(10_000f).normEpsilon(1e-5f).tiedEmbeddings(true).build();

    /** meta-llama/Llama-3.2-1B. */
    public static final ModelPreset LLAMA_3_2_1B = builder("llama-3.2-1b", Architecture.LLAMA)
            .description("Llama 3.2 1B shapes (1.24B parameters, tied embeddings), Llama 3 BPE tokenizer")
            .vocab("llama-bpe", 128_256).embeddingLength(2048).blockCount(16).heads(32, 8).feedForwardLength(8192)
            .contextLength(131_072).ropeFreqBase(500_000f).normEpsilon(1e-5f).tiedEmbeddings(true).build();

    /** meta-llama/Llama-3.1-8B. */
    public static final ModelPreset LLAMA_3_1_8B = builder("llama-3.1-8b", Architecture.LLAMA)
            .description("Llama 3.1 8B shapes (8.03B parameters), Llama 3 BPE tokenizer")
            .vocab("llama-bpe", 128_256).embeddingLength(4096).blockCount(32).heads(32, 8).feedForwardLength(14_336)
            .contextLength(131_072).ropeFreqBase(500_000f).normEpsilon(1e-5f).tiedEmbeddings(false).build();

    /** Qwen/Qwen2.5-0.5B (its embedding table is padded to 151936 rows, as the tokenizer file is). */
    public static final ModelPreset QWEN2_5_0_5B = builder("qwen2.5-0.5b", Architecture.QWEN2)
            .description("Qwen2.5 0.5B shapes (494M parameters, tied embeddings), Qwen2 BPE tokenizer")
            .vocab("qwen2", 151_936).embeddingLength(896).blockCount(24).heads(14, 2).feedForwardLength(4864)
            .contextLength(32_768).ropeFreqBase(1_000_000f).normEpsilon(1e-6f).tiedEmbeddings(true).build();

    /** prajjwal1/bert-mini as a mean-pooled sentence embedder (no pooler or classifier head). */
    public static final ModelPreset BERT_MINI = builder("bert-mini", Architecture.BERT)
            .description("BERT mini shapes (11M parameters) as a mean-pooled embedder, BERT WordPiece tokenizer")
            .vocab("bert-bge", 30_522).embeddingLength(256).blockCount(4).heads(4, 4).feedForwardLength(1024)
            .contextLength(512).normEpsilon(1e-12f).pooling(Pooling.MEAN).causal(false).build();

    private static final List<ModelPreset> ALL = List.of(TINY, LLAMA_3_2_1B, LLAMA_3_1_8B, QWEN2_5_0_5B, BERT_MINI);

    public ModelPreset {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(pooling, "pooling");
        if (name == null || name.isBlank() || vocab == null || vocab.isBlank()) {
            throw new IllegalArgumentException("a preset needs a name and a vocab");
        }
        if (vocabSize < 1 || embeddingLength < 1 || blockCount < 1 || headCount < 1 || headCountKv < 1
                || feedForwardLength < 1 || contextLength < 1) {
            throw new IllegalArgumentException("preset " + name + ": sizes must be positive");
        }
        if (embeddingLength % headCount != 0 || headCount % headCountKv != 0) {
            throw new IllegalArgumentException("preset " + name + ": embeddingLength " + embeddingLength
                    + " must divide into " + headCount + " heads, and those into " + headCountKv + " kv heads");
        }
        if (!(normEpsilon > 0f) || (architecture.rope() && !(ropeFreqBase > 0f))) {
            throw new IllegalArgumentException("preset " + name + ": normEpsilon and ropeFreqBase must be positive");
        }
        description = description == null ? name : description;
    }

    /** The built-in presets: tiny, the generators, then the encoder. */
    public static List<ModelPreset> all() {
        return ALL;
    }

    /** The built-in preset with this name (case-insensitive). */
    public static ModelPreset byName(String name) {
        for (ModelPreset p : ALL) {
            if (p.name.equalsIgnoreCase(name == null ? "" : name.trim())) {
                return p;
            }
        }
        throw new UnknownNameException("model preset", name, ALL.stream().map(ModelPreset::name).toList());
    }

    /** Weights in the synthesized file (the published parameter count; BERT's pooler is not included). */
    public long parameterCount() {
        return architecture.parameterCount(this);
    }

    /**
     * Memory the synthesis needs at its peak: llama.cpp holds every weight as F32 while they are generated,
     * including an untied output matrix that a tied model drops before writing (plus the largest tensor once
     * more while the file is written). About 5.6 GiB for llama-3.2-1b and 30 GiB for llama-3.1-8b.
     */
    public long synthesisMemoryBytes() {
        return synthesisElements() * Float.BYTES;
    }

    /** Weights llama.cpp creates for this shape: the real ones plus a tied model's separate output matrix. */
    long synthesisElements() {
        long untiedOutput = tiedEmbeddings ? (long) vocabSize * embeddingLength : 0;
        return parameterCount() + untiedOutput;
    }

    /** Whether llama.cpp keeps this tensor it created for the architecture (see {@link Architecture}). */
    boolean carries(String tensorName) {
        return architecture.carries(tensorName, this);
    }

    public static Builder builder(String name, Architecture architecture) {
        return new Builder(name, architecture);
    }

    /** Builds a custom shape; defaults: rope theta 10000, epsilon 1e-5, untied, no pooling, causal. */
    public static final class Builder {
        private final String name;
        private final Architecture architecture;
        private String description;
        private String vocab;
        private int vocabSize;
        private int embeddingLength;
        private int blockCount;
        private int headCount;
        private int headCountKv;
        private int feedForwardLength;
        private int contextLength;
        private float ropeFreqBase = 10_000f;
        private float normEpsilon = 1e-5f;
        private boolean tiedEmbeddings;
        private Pooling pooling = Pooling.NONE;
        private boolean causal = true;

        private Builder(String name, Architecture architecture) {
            this.name = name;
            this.architecture = architecture;
        }

        public Builder description(String text) {
            this.description = text;
            return this;
        }

        public Builder vocab(String vocabName, int tokens) {
            this.vocab = vocabName;
            this.vocabSize = tokens;
            return this;
        }

        public Builder embeddingLength(int n) {
            this.embeddingLength = n;
            return this;
        }

        public Builder blockCount(int n) {
            this.blockCount = n;
            return this;
        }

        public Builder heads(int heads, int kvHeads) {
            this.headCount = heads;
            this.headCountKv = kvHeads;
            return this;
        }

        public Builder feedForwardLength(int n) {
            this.feedForwardLength = n;
            return this;
        }

        public Builder contextLength(int n) {
            this.contextLength = n;
            return this;
        }

        public Builder ropeFreqBase(float theta) {
            this.ropeFreqBase = theta;
            return this;
        }

        public Builder normEpsilon(float epsilon) {
            this.normEpsilon = epsilon;
            return this;
        }

        public Builder tiedEmbeddings(boolean tied) {
            this.tiedEmbeddings = tied;
            return this;
        }

        public Builder pooling(Pooling p) {
            this.pooling = p;
            return this;
        }

        public Builder causal(boolean c) {
            this.causal = c;
            return this;
        }

        public ModelPreset build() {
            return new ModelPreset(name, description, architecture, vocab, vocabSize, embeddingLength, blockCount,
                    headCount, headCountKv, feedForwardLength, contextLength, ropeFreqBase, normEpsilon,
                    tiedEmbeddings, pooling, causal);
        }
    }
}
