package dev.panllama.engine.models;

/**
 * The llama.cpp architectures the synthesizer knows: how each names its normalisation epsilon, whether it uses
 * RoPE, how many parameters a shape gives, and which of the tensors llama.cpp creates the real models carry.
 *
 * <p>{@code llama_model_init_from_user} has no file to look at, so it creates every tensor the architecture
 * <em>may</em> have: an untied {@code output.weight}, optional biases, RoPE factors, classifier heads, and the
 * per-matrix {@code .scale}/{@code .input_scale} of pre-quantized (NVFP4, FP8) checkpoints. {@code carries}
 * says which of those the published models really have, so the written file has their shapes.
 */
public enum Architecture {
    /** Llama 2/3 and the many models that copy them: RMS norm, RoPE, SwiGLU, no biases. */
    LLAMA("llama", true, true) {
        @Override
        long parameterCount(ModelPreset p) {
            long e = p.embeddingLength();
            long perLayer = 2 * e + attentionWeights(p) + 3 * e * p.feedForwardLength();
            return embeddings(p) + e + p.blockCount() * perLayer;
        }

        @Override
        boolean carriesOptional(String tensor, ModelPreset p) {
            return !(p.tiedEmbeddings() && tensor.equals("output.weight"))
                    && !tensor.endsWith(".bias")
                    && !tensor.startsWith("rope_freqs."); // llama-3 RoPE scaling factors: synthetic models use plain RoPE
        }
    },
    /** Qwen2/2.5: Llama's layout plus biases on the Q, K and V projections. */
    QWEN2("qwen2", true, true) {
        @Override
        long parameterCount(ModelPreset p) {
            long e = p.embeddingLength();
            long qkvBias = e + 2L * kvDim(p);
            long perLayer = 2 * e + attentionWeights(p) + qkvBias + 3 * e * p.feedForwardLength();
            return embeddings(p) + e + p.blockCount() * perLayer;
        }

        @Override
        boolean carriesOptional(String tensor, ModelPreset p) {
            return !(p.tiedEmbeddings() && tensor.equals("output.weight")) && !tensor.equals("output.bias");
        }
    },
    /** BERT encoders (sentence embedders such as bge and MiniLM): layer norm with biases, learned positions, GELU. */
    BERT("bert", false, false) {
        /** BERT's segment ("sentence A/B") embeddings; llama.cpp reads the count from the tokenizer. */
        private static final int TOKEN_TYPES = 2;

        @Override
        long parameterCount(ModelPreset p) {
            long e = p.embeddingLength();
            long f = p.feedForwardLength();
            long inputs = (long) p.vocabSize() * e + (long) p.contextLength() * e + TOKEN_TYPES * e + 2 * e;
            long attention = attentionWeights(p) + e + 2L * kvDim(p) + e; // weights + Q, K, V, output biases
            long perLayer = attention + 2 * e + (e * f + f) + (f * e + e) + 2 * e;
            return inputs + p.blockCount() * perLayer;
        }

        @Override
        boolean carriesOptional(String tensor, ModelPreset p) {
            return !tensor.startsWith("cls."); // classifier heads belong to rerankers, not mean-pooled embedders
        }
    };

    private final String ggufName;
    private final boolean rmsNorm;
    private final boolean rope;

    Architecture(String ggufName, boolean rmsNorm, boolean rope) {
        this.ggufName = ggufName;
        this.rmsNorm = rmsNorm;
        this.rope = rope;
    }

    /** The {@code general.architecture} value, also the prefix of the architecture's metadata keys. */
    public String ggufName() {
        return ggufName;
    }

    /** RMS norm ({@code attention.layer_norm_rms_epsilon}) rather than layer norm ({@code attention.layer_norm_epsilon}). */
    public boolean rmsNorm() {
        return rmsNorm;
    }

    /** Rotary position embeddings (with {@code rope.freq_base}) rather than learned absolute positions. */
    public boolean rope() {
        return rope;
    }

    /** Weights in a file of this shape, as the published model cards count them. */
    abstract long parameterCount(ModelPreset preset);

    /** Whether the real model has this tensor (llama.cpp's name, e.g. {@code blk.0.attn_q.bias}). */
    boolean carries(String tensor, ModelPreset preset) {
        return !tensor.endsWith(".scale") && !tensor.endsWith(".input_scale") && carriesOptional(tensor, preset);
    }

    /** The architecture's own optional tensors (the quantization scales every architecture gets aside). */
    abstract boolean carriesOptional(String tensor, ModelPreset preset);

    static long kvDim(ModelPreset p) {
        return (long) p.embeddingLength() / p.headCount() * p.headCountKv();
    }

    /** Q, K, V and output projections without biases. */
    static long attentionWeights(ModelPreset p) {
        long e = p.embeddingLength();
        return 2 * e * e + 2 * e * kvDim(p);
    }

    /** Token embeddings, plus the output projection when it is a separate matrix. */
    static long embeddings(ModelPreset p) {
        long table = (long) p.vocabSize() * p.embeddingLength();
        return p.tiedEmbeddings() ? table : 2 * table;
    }
}
