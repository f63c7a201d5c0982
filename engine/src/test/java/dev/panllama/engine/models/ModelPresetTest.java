package dev.panllama.engine.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The preset table against the published configs; no natives needed. */
class ModelPresetTest {

    @Test
    void parameterCountsMatchThePublishedModels() {
        assertEquals(1_235_814_400L, ModelPreset.LLAMA_3_2_1B.parameterCount(), "Llama 3.2 1B");
        assertEquals(8_030_261_248L, ModelPreset.LLAMA_3_1_8B.parameterCount(), "Llama 3.1 8B");
        assertEquals(494_032_768L, ModelPreset.QWEN2_5_0_5B.parameterCount(), "Qwen2.5 0.5B");
        // prajjwal1/bert-mini has 11,170,560 with its pooler, which a mean-pooled embedder does not carry
        assertEquals(11_170_560L - (256L * 256 + 256), ModelPreset.BERT_MINI.parameterCount(), "bert-mini");
    }

    @Test
    void presetsCarryTheShapesOfTheirConfigs() {
        ModelPreset llama1b = ModelPreset.LLAMA_3_2_1B;
        assertEquals("llama-bpe", llama1b.vocab());
        assertEquals(2048, llama1b.embeddingLength());
        assertEquals(16, llama1b.blockCount());
        assertEquals(32, llama1b.headCount());
        assertEquals(8, llama1b.headCountKv());
        assertEquals(8192, llama1b.feedForwardLength());
        assertEquals(131_072, llama1b.contextLength());
        assertEquals(500_000f, llama1b.ropeFreqBase());
        assertTrue(llama1b.tiedEmbeddings());

        ModelPreset llama8b = ModelPreset.LLAMA_3_1_8B;
        assertEquals(14_336, llama8b.feedForwardLength());
        assertFalse(llama8b.tiedEmbeddings());

        ModelPreset qwen = ModelPreset.QWEN2_5_0_5B;
        assertSame(Architecture.QWEN2, qwen.architecture());
        assertEquals("qwen2", qwen.vocab());
        assertEquals(1e-6f, qwen.normEpsilon());
        assertEquals(1_000_000f, qwen.ropeFreqBase());

        ModelPreset bert = ModelPreset.BERT_MINI;
        assertSame(Architecture.BERT, bert.architecture());
        assertEquals("bert-bge", bert.vocab());
        assertEquals(ModelPreset.Pooling.MEAN, bert.pooling());
        assertFalse(bert.causal());
        assertEquals(1e-12f, bert.normEpsilon());

        ModelPreset tiny = ModelPreset.TINY;
        assertEquals("llama-spm", tiny.vocab());
        assertEquals(32_000, tiny.vocabSize());
        assertTrue(tiny.synthesisMemoryBytes() < 32L << 20, "tiny must stay cheap to synthesize");
    }

    @Test
    void synthesisMemoryCountsTheUntiedOutputLlamaCppCreates() {
        ModelPreset p = ModelPreset.LLAMA_3_2_1B;
        long outputMatrix = (long) p.vocabSize() * p.embeddingLength();
        assertEquals((p.parameterCount() + outputMatrix) * Float.BYTES, p.synthesisMemoryBytes());
        assertEquals(ModelPreset.LLAMA_3_1_8B.parameterCount() * Float.BYTES, ModelPreset.LLAMA_3_1_8B.synthesisMemoryBytes());
    }

    @Test
    void lookupByNameIsCaseInsensitiveAndUnknownNamesListTheChoices() {
        assertSame(ModelPreset.TINY, ModelPreset.byName("TINY"));
        assertSame(ModelPreset.QWEN2_5_0_5B, ModelPreset.byName("qwen2.5-0.5b"));
        UnknownNameException e = assertThrows(UnknownNameException.class, () -> ModelPreset.byName("nope"));
        assertEquals("nope", e.name());
        assertEquals("model preset", e.kind());
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("llama-3.2-1b"), e.getMessage());
        assertEquals(ModelPreset.all().size(), e.known().size());
    }

    @Test
    void quantTypesByName() {
        assertSame(QuantType.Q4_K_M, QuantType.byName("q4_k_m"));
        assertSame(QuantType.F16, QuantType.byName(" f16 "));
        UnknownNameException e = assertThrows(UnknownNameException.class, () -> QuantType.byName("q3"));
        assertTrue(e.getMessage().contains("Q4_K_M"), e.getMessage());
    }

    @Test
    void inconsistentShapesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelPreset.builder("odd", Architecture.LLAMA).vocab("llama-spm", 32_000).embeddingLength(64)
                        .blockCount(1).heads(5, 1).feedForwardLength(64).contextLength(64).build());
        assertTrue(e.getMessage().contains("5 heads"), e.getMessage());
    }

    @Test
    void realModelsKeepOnlyTheOptionalTensorsTheyHave() {
        assertFalse(ModelPreset.TINY.carries("output.weight"), "tied");
        assertTrue(ModelPreset.LLAMA_3_1_8B.carries("output.weight"), "untied");
        assertFalse(ModelPreset.TINY.carries("blk.0.attn_q.bias"));
        assertFalse(ModelPreset.TINY.carries("rope_freqs.weight"));
        assertFalse(ModelPreset.TINY.carries("blk.0.ffn_up.scale"));
        assertTrue(ModelPreset.QWEN2_5_0_5B.carries("blk.0.attn_q.bias"));
        assertFalse(ModelPreset.QWEN2_5_0_5B.carries("blk.0.attn_q.input_scale"));
        assertTrue(ModelPreset.BERT_MINI.carries("blk.0.ffn_up.bias"));
        assertFalse(ModelPreset.BERT_MINI.carries("cls.output.weight"));
    }
}
