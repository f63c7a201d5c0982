package dev.panllama.engine.nativeapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestModels.stories260K());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void stories260KHasItsKnownShape() {
        assertEquals(512, model.vocab().tokenCount());
        assertEquals(5, model.layerCount());
        assertEquals(64, model.embeddingSize());
        assertEquals("llama", model.architecture());
        assertTrue(model.parameterCount() > 200_000 && model.parameterCount() < 400_000, "params " + model.parameterCount());
        assertEquals("llama", model.metadata().get("general.architecture"));
        assertTrue(model.hasDecoder());
    }

    @Test
    void progressCallbackReachesCompletion() {
        List<Float> seen = new ArrayList<>();
        try (Model m = Model.load(TestModels.stories260K(), ModelParams.defaults().withProgress(f -> seen.add(f)))) {
            assertTrue(m.isOpen());
        }
        assertFalse(seen.isEmpty());
        assertEquals(1.0f, seen.getLast(), 1e-6);
    }

    @Test
    void progressCallbackCanCancelAndItsExceptionSurfaces() {
        assertThrows(dev.panllama.engine.NativeCallException.class,
                () -> Model.load(TestModels.stories260K(), ModelParams.defaults().withProgress(f -> false)));
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> Model.load(TestModels.stories260K(), ModelParams.defaults().withProgress(f -> {
                    throw new IllegalStateException("listener broke");
                })));
        assertEquals("listener broke", thrown.getMessage());
    }

    @Test
    void moreSequencesThanABatchCarriesAreRefusedBeforeLlamaCppAsserts() {
        ContextParams params = new ContextParams(64, 4, 4, 8, 1, 0, false, ContextParams.FlashAttention.AUTO, true, "f16", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Context.create(model, params));
        assertTrue(e.getMessage().contains("8 sequences exceed the 4 tokens"), e.getMessage());
        IllegalArgumentException shortContext = assertThrows(IllegalArgumentException.class,
                () -> Context.create(model, params.withContextLength(6).withBatchSize(512)));
        assertTrue(shortContext.getMessage().contains("exceed the 6 tokens"), shortContext.getMessage());
    }

    @Test
    void closedModelRefusesUseInsteadOfCrashing() {
        Model m = Model.load(TestModels.stories260K());
        Context c = Context.create(m, ContextParams.defaults().withContextLength(64));
        m.close();
        assertFalse(c.isOpen(), "closing a model closes its contexts first");
        assertThrows(IllegalStateException.class, m::layerCount);
        m.close(); // idempotent
    }

    @Test
    void asciiRoundTrip() {
        Vocab vocab = model.vocab();
        String text = "Once upon a time, there was a little girl named Lily.";
        int[] tokens = vocab.tokenize(text, false, false);
        assertTrue(tokens.length > 5);
        // SentencePiece prefixes a space when tokenizing; detokenizing takes it off again
        assertEquals(text, vocab.detokenize(tokens, false, false));
        assertEquals(text, vocab.detokenize(tokens, true, false));
        int[] withBos = vocab.tokenize(text, true, false);
        assertEquals(vocab.bos(), withBos[0]);
        // llama.cpp keeps SentencePiece's prefix space when it strips a leading BOS
        assertEquals(" " + text, vocab.detokenize(withBos, true, false));
    }

    @Test
    void multiByteUtf8RoundTripIncludingCharactersSplitAcrossTokens() {
        Vocab vocab = model.vocab();
        // stories260K's 512-token vocabulary has no tokens for these: they fall back to one token per byte
        String text = "Grüße, 世界! naïve café — 🙂";
        int[] tokens = vocab.tokenize(text, false, false);
        assertEquals(text, vocab.detokenize(tokens, true, false));

        // streaming piece by piece must never emit half a character
        Utf8Accumulator stream = new Utf8Accumulator();
        StringBuilder out = new StringBuilder();
        boolean sawSplit = false;
        for (int token : tokens) {
            byte[] piece = vocab.tokenToPiece(token, false);
            String complete = stream.append(piece);
            if (piece.length > 0 && complete.isEmpty()) {
                sawSplit = true;
            }
            assertFalse(complete.contains("\uFFFD"), "emitted a broken character: " + complete);
            out.append(complete);
        }
        out.append(stream.flush());
        assertTrue(sawSplit, "expected at least one character split across tokens");
        assertEquals(" " + text, out.toString());
    }

    @Test
    void outOfVocabularyTokensAreRefusedInJava() {
        Vocab vocab = model.vocab();
        assertThrows(IllegalArgumentException.class, () -> vocab.tokenToPiece(512, false));
        assertThrows(IllegalArgumentException.class, () -> vocab.detokenize(new int[] {1, -3}, false, false));
    }

    @Test
    void greedyDecodeProducesTokens() {
        try (Context ctx = Context.create(model, ContextParams.defaults().withContextLength(128));
             Batch batch = new Batch(64, 1);
             SamplerChain greedy = SamplerChain.greedy()) {
            int[] prompt = model.vocab().tokenize("Once upon a time", true, false);
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], i, 0, i == prompt.length - 1);
            }
            assertTrue(ctx.decode(batch));
            int next = greedy.sample(ctx, prompt.length - 1);
            assertEquals(ctx.logitsRow(prompt.length - 1).argmax(), next, "the engine's Java greedy picks as llama.cpp's");
            assertEquals(prompt.length - 1, ctx.sequencePositionMax(0));
            // reading an index that produced no logits would abort inside llama.cpp: Java refuses it
            assertThrows(IllegalArgumentException.class, () -> ctx.logits(0));
            assertThrows(IllegalArgumentException.class, () -> greedy.sample(ctx, 0));
        }
    }

    @Test
    void invalidBatchesAreRefusedBeforeLlamaCppSeesThem() {
        try (Context ctx = Context.create(model, ContextParams.defaults().withContextLength(64).withBatchSize(8));
             Batch batch = new Batch(16, 1)) {
            batch.add(9999, 0, 0, true);
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch));
            batch.clear();
            batch.add(1, 0, 3, true);
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "sequence id beyond n_seq_max");
            batch.clear();
            batch.add(1, ctx.contextLength(), 0, true);
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "position beyond context");
            batch.clear();
            for (int i = 0; i < 9; i++) {
                batch.add(1, i, 0, false);
            }
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "more tokens than n_batch");
            batch.clear();
            assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch), "empty batch");
            batch.add(1, 0, 0, true);
            assertTrue(ctx.decode(batch), "the context still works afterwards");
        }
    }
}
