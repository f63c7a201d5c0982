package dev.panllama.engine.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * In a KV cache of per-sequence streams the slots in use stay 0..n-1: a finished request's slot is filled by the
 * request in the highest slot, whose cells move with it and decode on as before. A unified cache moves nothing.
 */
class KvSlotCompactionTest {
    private static final int[] PROMPT = {1, 45, 303, 338, 93};
    static Model model;

    @BeforeAll
    static void open() {
        model = Model.load(TestModels.stories260K());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Context context(boolean unified) {
        return Context.create(model, new ContextParams(1024, 64, 64, 4, 1, 0, false, ContextParams.FlashAttention.AUTO,
                unified, "f16", null));
    }

    private static EngineRequest request(String id) {
        return new EngineRequest(id, PROMPT, SamplingParams.defaults(), 0, 0, 1, null, 8, null);
    }

    /** Decodes the prompt into {@code seq} and returns the argmax after it. */
    private static int prefill(Context ctx, Batch batch, int seq) {
        batch.clear();
        int last = -1;
        for (int i = 0; i < PROMPT.length; i++) {
            last = batch.add(PROMPT[i], i, seq, i == PROMPT.length - 1);
        }
        assertTrue(ctx.decode(batch));
        return ctx.logitsRow(last).argmax();
    }

    /** Decodes {@code token} as the next position of {@code seq} and returns the logits after it. */
    private static float[] next(Context ctx, Batch batch, int seq, int token) {
        batch.clear();
        batch.add(token, PROMPT.length, seq, true);
        assertTrue(ctx.decode(batch));
        return ctx.logits(0);
    }

    @Test
    void aFreedSlotBelowARunningRequestIsFilledByTheHighestAndItsCellsMoveWithIt() {
        try (Context ctx = context(false); Batch batch = new Batch(64, 1)) {
            KvCacheManager kv = new KvCacheManager(ctx, 4, 0);
            EngineRequest a = request("a");
            EngineRequest b = request("b");
            EngineRequest c = request("c");
            List.of(a, b, c).forEach(kv::allocate);
            assertEquals(List.of(0, 1, 2), List.of(a.slot(), b.slot(), c.slot()));
            int first = prefill(ctx, batch, c.slot());
            float[] expected = next(ctx, batch, c.slot(), first);
            // c's stream holds the prompt and one more token; rewind that token so c can decode it again after moving
            ctx.removeSequence(c.slot(), PROMPT.length, -1);

            kv.release(a, false);
            assertEquals(1, kv.compactSlots(List.of(b, c)));
            assertEquals(List.of(0, 1), List.of(c.slot(), b.slot()), "c moved down into a's slot");
            assertEquals(0, kv.compactSlots(List.of(b, c)), "dense slots stay where they are");
            assertEquals(PROMPT.length - 1, ctx.sequencePositionMax(0), "c's cells are in its new slot");
            assertEquals(-1, ctx.sequencePositionMax(2), "and gone from its old one");
            // the same logits as before the move: the token attended to c's own prompt, not to an empty stream
            float[] moved = next(ctx, batch, c.slot(), first);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], moved[i], 1e-3, "logit " + i + " after the move");
            }
            EngineRequest d = request("d");
            kv.allocate(d);
            assertEquals(2, d.slot(), "a newcomer takes the next slot");
        }
    }

    @Test
    void aUnifiedCacheMovesNothing() {
        try (Context ctx = context(true)) {
            KvCacheManager kv = new KvCacheManager(ctx, 4, 0);
            EngineRequest a = request("a");
            EngineRequest b = request("b");
            kv.allocate(a);
            kv.allocate(b);
            kv.release(a, false);
            assertEquals(0, kv.compactSlots(List.of(b)));
            assertEquals(1, b.slot());
        }
    }
}
