package dev.panllama.engine.nativeapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Greedy picks inside the decode graph (llama.cpp's backend sampling), driven through {@link Context}. */
class DeviceGreedyTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestModels.tinySynthetic());
    }

    @AfterAll
    static void free() {
        model.close();
    }

    private static Context context() {
        return Context.create(model, ContextParams.defaults().withContextLength(256).withMaxSequences(4).withThreads(1));
    }

    /** Two sequences' prompts in one batch, each with its last token's output. Returns the two output indices. */
    private static int[] addPrompts(Batch batch, int[] first, int[] second) {
        int[] out = new int[2];
        for (int i = 0; i < first.length; i++) {
            int index = batch.add(first[i], i, 0, i == first.length - 1);
            if (i == first.length - 1) {
                out[0] = index;
            }
        }
        for (int i = 0; i < second.length; i++) {
            int index = batch.add(second[i], i, 1, i == second.length - 1);
            if (i == second.length - 1) {
                out[1] = index;
            }
        }
        return out;
    }

    @Test
    void theGraphPicksWhatTheHostArgmaxPicksAndOtherSequencesKeepTheirLogits() {
        int[] a = {1, 450, 3303, 338, 7933};
        int[] b = {1, 9038, 2501, 263, 931, 29892};
        int hostA;
        int hostB;
        try (Context plain = context(); Batch batch = new Batch(64, 1)) {
            int[] out = addPrompts(batch, a, b);
            assertTrue(plain.decode(batch));
            hostA = plain.logitsRow(out[0]).argmax();
            hostB = plain.logitsRow(out[1]).argmax();
        }
        try (Context onDevice = context(); Batch batch = new Batch(64, 1)) {
            assertTrue(onDevice.setDeviceGreedy(0, true));
            assertTrue(onDevice.isDeviceGreedy(0));
            assertFalse(onDevice.isDeviceGreedy(1));
            int[] out = addPrompts(batch, a, b);
            assertTrue(onDevice.decode(batch));
            assertEquals(hostA, onDevice.deviceSampledToken(out[0]));
            assertEquals(0, onDevice.pickedLogitsCopied(out[0]), "only the pick leaves the device, not its logits row");
            // sequence 1 has no device sampler: its row came back as usual
            assertEquals(hostB, onDevice.logitsRow(out[1]).argmax());
            IllegalArgumentException noRow = assertThrows(IllegalArgumentException.class, () -> onDevice.logitsRow(out[0]));
            assertTrue(noRow.getMessage().contains("sampled in the graph"), noRow.getMessage());
            assertThrows(IllegalArgumentException.class, () -> onDevice.deviceSampledToken(out[1]));

            // turned off again, the same decode gives sequence 0 its logits row back
            assertFalse(onDevice.setDeviceGreedy(0, false));
            onDevice.clearMemory();
            batch.clear();
            int[] again = addPrompts(batch, a, b);
            assertTrue(onDevice.decode(batch));
            assertEquals(hostA, onDevice.logitsRow(again[0]).argmax());
        }
    }

    @Test
    void oneArgmaxOpPicksForEverySequenceOfAStep() {
        int[][] prompts = {{1, 450, 3303}, {1, 9038, 2501, 263}, {1, 931, 29892}, {1, 338, 7933, 450, 263},
                {1, 263, 931, 2501}};
        ContextParams six = ContextParams.defaults().withContextLength(256).withMaxSequences(6).withThreads(1);
        int[] host = hostArgmax(six, prompts);
        try (Context onDevice = Context.create(model, six); Batch batch = new Batch(64, 1)) {
            // sequence 2 keeps its logits: its row is in the matrix too, and nobody takes its entry
            int[] inGraph = {0, 1, 3, 4};
            assertEquals(Context.READ_BACK_FROM_OUTPUTS, inGraph.length);
            for (int s : inGraph) {
                assertTrue(onDevice.setDeviceGreedy(s, true));
            }
            long picksBefore = onDevice.graphArgmax().sharedPicks();
            int[] out = addAll(batch, prompts);
            assertTrue(onDevice.decode(batch));
            for (int s : inGraph) {
                assertEquals(host[s], onDevice.deviceSampledToken(out[s]), "sequence " + s);
                assertEquals(0, onDevice.pickedLogitsCopied(out[s]), "sequence " + s + "'s logits stay on the device");
            }
            assertEquals(host[2], onDevice.logitsRow(out[2]).argmax());
            assertTrue(onDevice.picksReadBack(), "a one-micro-batch decode with enough picks reads them back in one copy");
            assertEquals(1, onDevice.graphArgmax().mostOpsInABuild(), "one argmax op for all rows of a graph");
            assertTrue(onDevice.graphArgmax().sharedPicks() - picksBefore >= 4, "every sequence's pick is a row of it");

            // the next step's graph is built anew, with two picks: llama.cpp copies them per row, still from one op
            onDevice.clearMemory();
            batch.clear();
            int[] again = addAll(batch, new int[][] {prompts[3], prompts[1]});
            assertTrue(onDevice.decode(batch));
            assertFalse(onDevice.picksReadBack());
            assertEquals(host[3], onDevice.deviceSampledToken(again[0]));
            assertEquals(host[1], onDevice.deviceSampledToken(again[1]));
            assertEquals(1, onDevice.graphArgmax().mostOpsInABuild());
        }
    }

    @Test
    void onTheHostTheSamplerPicksTheHighestLogitToo() {
        int[][] prompts = {{1, 450, 3303}, {1, 9038, 2501, 263}, {1, 931, 29892}};
        try (Context ctx = context(); Batch batch = new Batch(64, 1); GraphArgmax maker = new GraphArgmax(() -> { })) {
            int[] out = addAll(batch, prompts);
            assertTrue(ctx.decode(batch));
            for (int s = 0; s < prompts.length; s++) {
                // llama_sampler_sample runs the chain's host path over the row's candidates
                try (SamplerChain chain = maker.newChain()) {
                    assertEquals(ctx.logitsRow(out[s]).argmax(), chain.sample(ctx, out[s]), "sequence " + s);
                }
            }
        }
    }

    @Test
    void separateCachesHandPicksOverPerRow() {
        int[][] prompts = {{1, 450, 3303}, {1, 9038, 2501, 263}, {1, 338, 7933, 450, 263}, {1, 931, 29892}};
        ContextParams separate = new ContextParams(256, 64, 64, 4, 1, 0, false, ContextParams.FlashAttention.AUTO, false,
                "f16", null);
        int[] host = hostArgmax(separate, prompts);
        try (Context onDevice = Context.create(model, separate); Batch batch = new Batch(64, 1)) {
            for (int s = 0; s < prompts.length; s++) {
                assertTrue(onDevice.setDeviceGreedy(s, true));
            }
            int[] out = addAll(batch, prompts);
            assertTrue(onDevice.decode(batch));
            // llama.cpp regroups a batch by sequence for separate caches: its own per-row hand-off keeps the order
            assertFalse(onDevice.picksReadBack());
            for (int s = 0; s < prompts.length; s++) {
                assertEquals(host[s], onDevice.deviceSampledToken(out[s]));
            }
        }
    }

    @Test
    void separateCachesReadADecodeStepsPicksBackInOneCopyWhenItsSequencesAreInSlotOrder() {
        int[][] prompts = {{1, 450, 3303}, {1, 9038, 2501, 263}, {1, 338, 7933, 450, 263}, {1, 931, 29892}};
        int[] next = {263, 450, 338, 931};
        ContextParams separate = new ContextParams(1024, 64, 64, 4, 1, 0, false, ContextParams.FlashAttention.AUTO, false,
                "f16", null);
        // one token per sequence, sequences 0..3 in order: one micro-batch in batch order; out of slot order llama.cpp
        // regroups the batch, and its own per-row hand-off keeps the order
        decodeStepsOnBoth(separate, prompts, next, new int[][] {{0, 1, 2, 3}, {1, 0, 2, 3}});
    }

    /**
     * A graph that kept its picks hands llama.cpp none per row. With per-sequence streams a later batch may split into
     * micro-batches of which one has the kept graph's shape (same sequences, same outputs); llama.cpp would reuse it,
     * and that micro-batch's picks would be lost. Such a batch decodes on graphs built for per-row hand-off instead.
     */
    @Test
    void separateCachesNeverRunAKeptGraphForAPartOfALaterBatch() {
        int[][] prompts = {{1, 450, 3303}, {1, 9038, 2501, 263}, {1, 338, 7933, 450, 263}, {1, 931, 29892}, {1, 263},
                {1, 450, 931}};
        int[] next = {263, 450, 338, 931, 450, 263};
        ContextParams separate = new ContextParams(1536, 64, 64, 6, 1, 0, false, ContextParams.FlashAttention.AUTO, false,
                "f16", null);
        // sequences 0..3 in order (picks kept), then 0..3 and 5: slot 4 skipped, so llama.cpp runs {0..3} and {5}
        decodeStepsOnBoth(separate, prompts, next, new int[][] {{0, 1, 2, 3}, {0, 1, 2, 3, 5}});
    }

    /**
     * Prefills {@code prompts} on a context picking in the graph and on a plain one, then decodes {@code steps} (each the
     * sequences taking a token, in batch order) on both, comparing their picks; only the first step may read its picks
     * back in one copy.
     */
    private static void decodeStepsOnBoth(ContextParams params, int[][] prompts, int[] next, int[][] steps) {
        try (Context onDevice = Context.create(model, params); Context plain = Context.create(model, params);
             Batch batch = new Batch(64, 1)) {
            prefillBoth(onDevice, plain, batch, prompts);
            int[] position = Arrays.stream(prompts).mapToInt(p -> p.length).toArray();
            for (int step = 0; step < steps.length; step++) {
                decodeStepOnBoth(onDevice, plain, batch, steps[step], next, position, step);
                assertEquals(step == 0, onDevice.picksReadBack(), "sequences " + Arrays.toString(steps[step]));
            }
        }
    }

    @Test
    void aBatchWithPicksInTheGraphMustFitOneMicroBatch() {
        ContextParams smallMicroBatches = new ContextParams(256, 64, 8, 4, 1, 0, false, ContextParams.FlashAttention.AUTO,
                true, "f16", null);
        int[] prompt = {1, 450, 3303, 338, 7933, 9038, 2501, 263, 931, 29892};
        try (Context ctx = Context.create(model, smallMicroBatches); Batch batch = new Batch(64, 1)) {
            assertTrue(ctx.setDeviceGreedy(0, true));
            int last = addAll(batch, new int[][] {prompt})[0];
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch));
            assertTrue(tooBig.getMessage().contains("one micro-batch of 8 tokens"), tooBig.getMessage());
            // without the in-graph pick the same batch decodes (llama.cpp splits it), and the context stays usable
            assertFalse(ctx.setDeviceGreedy(0, false));
            assertTrue(ctx.decode(batch));
            assertTrue(ctx.logitsRow(last).argmax() >= 0);
        }
    }

    /** What the host's argmax picks after each prompt, all decoded together in a context without in-graph picks. */
    /** Turns in-graph picks on for every prompt's sequence of {@code onDevice}, then decodes the prompts on both contexts. */
    private static void prefillBoth(Context onDevice, Context plain, Batch batch, int[][] prompts) {
        for (int s = 0; s < prompts.length; s++) {
            assertTrue(onDevice.setDeviceGreedy(s, true));
        }
        for (Context ctx : new Context[] {onDevice, plain}) {
            batch.clear();
            addAll(batch, prompts);
            assertTrue(ctx.decode(batch));
        }
    }

    /**
     * Decodes token {@code next[seq]} for each of {@code seqs}, in that order, at its {@code position}, on both contexts;
     * asserts that the graph picked what the host's argmax picks for every batch index, then advances the positions.
     */
    private static void decodeStepOnBoth(Context onDevice, Context plain, Batch batch, int[] seqs, int[] next, int[] position,
                                         int step) {
        int[] hostPicks = new int[seqs.length];
        for (Context ctx : new Context[] {plain, onDevice}) {
            batch.clear();
            for (int seq : seqs) {
                batch.add(next[seq], position[seq], seq, true);
            }
            assertTrue(ctx.decode(batch));
            for (int i = 0; i < seqs.length; i++) {
                if (ctx == plain) {
                    hostPicks[i] = plain.logitsRow(i).argmax();
                } else {
                    assertEquals(hostPicks[i], onDevice.deviceSampledToken(i), "step " + step + ", batch index " + i);
                }
            }
        }
        for (int seq : seqs) {
            position[seq]++;
        }
    }

    private static int[] hostArgmax(ContextParams params, int[][] prompts) {
        int[] host = new int[prompts.length];
        try (Context plain = Context.create(model, params); Batch batch = new Batch(64, 1)) {
            int[] out = addAll(batch, prompts);
            assertTrue(plain.decode(batch));
            for (int s = 0; s < prompts.length; s++) {
                host[s] = plain.logitsRow(out[s]).argmax();
            }
        }
        return host;
    }

    /** Prompt s as sequence s, each with its last token's output; returns the output indices. */
    private static int[] addAll(Batch batch, int[][] prompts) {
        int[] out = new int[prompts.length];
        for (int s = 0; s < prompts.length; s++) {
            for (int i = 0; i < prompts[s].length; i++) {
                boolean last = i == prompts[s].length - 1;
                int index = batch.add(prompts[s][i], i, s, last);
                if (last) {
                    out[s] = index;
                }
            }
        }
        return out;
    }

    @Test
    void refusesWhatLlamaCppWouldRejectOrAssertOn() {
        try (Context ctx = context(); Batch batch = new Batch(64, 1)) {
            assertThrows(IllegalArgumentException.class, () -> ctx.setDeviceGreedy(4, true));
            assertThrows(IllegalArgumentException.class, () -> ctx.setDeviceGreedy(-1, true));
            assertTrue(ctx.setDeviceGreedy(0, true));
            batch.add(1, 0, 0, true);
            batch.add(450, 1, 0, true);
            IllegalArgumentException twoOutputs = assertThrows(IllegalArgumentException.class, () -> ctx.decode(batch));
            assertTrue(twoOutputs.getMessage().contains("one output per decode"), twoOutputs.getMessage());
            // the refusal left the context usable
            batch.clear();
            batch.add(1, 0, 0, false);
            int last = batch.add(450, 1, 0, true);
            assertTrue(ctx.decode(batch));
            int token = ctx.deviceSampledToken(last);
            assertTrue(token >= 0 && token < model.vocab().tokenCount());
            assertTrue(ctx.setDeviceGreedy(2, true));
            ctx.clearDeviceGreedy(1);
            assertTrue(ctx.isDeviceGreedy(0));
            assertFalse(ctx.isDeviceGreedy(2));
            ctx.clearDeviceGreedy(0);
            assertFalse(ctx.isDeviceGreedy(0));
        }
    }
}
