package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link EngineArgs#kvUnified}: an engine whose sequences share no cells gets a KV stream per sequence slot, decodes the
 * same tokens as one unified cache, and still serves n &gt; 1 requests (each sibling computes the prompt); a layout that
 * cannot work is refused naming the setting.
 */
class AsyncLLMKvLayoutTest {
    private static final int STREAMS = 8;
    private static final int MAX_MODEL_LEN = 300;

    /** Room for every slot at max_model_len, no prefix cache: per-sequence streams by default. */
    private static EngineArgs.Builder args(Boolean unified, boolean inGraph) {
        return EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(STREAMS).maxNumBatchedTokens(256)
                .kvCacheTokens(STREAMS * MAX_MODEL_LEN).maxModelLen(MAX_MODEL_LEN).threads(1)
                .enablePrefixCaching(false).deviceSampling(inGraph).kvUnified(unified);
    }

    /** Every request queued behind a pause and admitted at resume, so two engines alike run the same batches. */
    private static Map<Integer, List<Integer>> runTogether(AsyncLLM llm) {
        llm.pauseGeneration(PauseMode.WAIT, false).join();
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            SamplingParams greedy = SamplingParams.builder().temperature(0.0).maxTokens(40 + i).ignoreEos(true).build();
            streams.add(llm.generate(Prompt.text("Once upon a time " + i), greedy, "r" + i + "-" + System.nanoTime()));
        }
        llm.resumeGeneration().join();
        Map<Integer, List<Integer>> tokens = new TreeMap<>();
        for (int i = 0; i < streams.size(); i++) {
            tokens.put(i, streams.get(i).finalOutput().outputs().getFirst().tokenIds());
        }
        return tokens;
    }

    private static int kvCapacity(StepRecorder recorder) {
        return recorder.steps().stream().filter(s -> s.nanos() > 0).mapToInt(StepStats::kvCapacity).max().orElseThrow();
    }

    @ParameterizedTest(name = "picks in the graph: {0}")
    @ValueSource(booleans = {false, true})
    void perSequenceStreamsDecodeTheTokensOfAUnifiedCache(boolean inGraph) {
        Map<Integer, List<Integer>> streamed;
        Map<Integer, List<Integer>> unified;
        int streamedCells;
        int unifiedCells;
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args(null, inGraph).build())) {
            StepRecorder steps = StepRecorder.attachTo(llm);
            streamed = runTogether(llm);
            streamedCells = kvCapacity(steps);
        }
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args(true, inGraph).build())) {
            StepRecorder steps = StepRecorder.attachTo(llm);
            unified = runTogether(llm);
            unifiedCells = kvCapacity(steps);
        }
        assertEquals(unified, streamed);
        for (int i = 0; i < STREAMS; i++) {
            assertEquals(40 + i, streamed.get(i).size());
        }
        // llama.cpp rounds each stream up to a multiple of 256 cells: 8 x 512, where one unified buffer of 2,400 rounds
        // up to 2,560
        assertEquals(STREAMS * 512, streamedCells, "per-sequence streams by default");
        assertEquals(2560, unifiedCells);
    }

    @Test
    void streamsSmallerThanLlamaCppRoundsThemToStayUnifiedByDefault() {
        // 8 slots of 100 cells would each be rounded up to 256: 2,048 cells for the 800 asked
        EngineArgs small = args(null, false).maxModelLen(100).kvCacheTokens(STREAMS * 100).build();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(small)) {
            StepRecorder steps = StepRecorder.attachTo(llm);
            runTogether(llm);
            assertEquals(1024, kvCapacity(steps), "one unified buffer of 800 cells, rounded up to 1,024");
        }
    }

    @Test
    void oneSequenceKeepsItsOwnStreamHoweverShortItsCache() {
        // one stream of 130 cells is rounded as a unified buffer of 130 is: streams cost nothing, and save llama.cpp's
        // checks of 256 sequences on every step
        EngineArgs single = EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(1).maxModelLen(130)
                .kvCacheTokens(130).enablePrefixCaching(false).build();
        assertFalse(ReplicaLoader.unifiedKv(single, 130, 130));
        // several short streams would each be rounded up: unified, as above
        EngineArgs four = EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4).maxModelLen(100)
                .kvCacheTokens(400).enablePrefixCaching(false).build();
        assertTrue(ReplicaLoader.unifiedKv(four, 400, 100));
        // streams of at least 256 cells stay streams even where rounding grows them (8 x 300 -> 8 x 512)
        assertFalse(ReplicaLoader.unifiedKv(args(null, false).build(), STREAMS * MAX_MODEL_LEN, MAX_MODEL_LEN));
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(single)) {
            SamplingParams greedy = SamplingParams.builder().temperature(0.0).maxTokens(20).ignoreEos(true).build();
            assertEquals(20, llm.generate(Prompt.text("Once upon a time"), greedy, "one").finalOutput().outputs().getFirst()
                    .tokenIds().size());
        }
    }

    @Test
    void siblingsOfAnNRequestEachComputeThePromptInTheirOwnStream() {
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args(false, false).build())) {
            Prompt prompt = Prompt.text("Once upon a time there was a");
            SamplingParams params = SamplingParams.builder().n(3).temperature(0.9).seed(7L).maxTokens(12).ignoreEos(true)
                    .outputKind(RequestOutputKind.FINAL_ONLY).build();
            RequestOutput out = llm.generate(prompt, params, "n3").finalOutput();
            assertEquals(3, out.outputs().size());
            for (int i = 0; i < 3; i++) {
                // child i samples as a request of its own seeded 7 + i: its prompt's cells are its own, not a copy
                SamplingParams alone = params.toBuilder().n(1).seed(7L + i).build();
                List<Integer> single = llm.generate(prompt, alone, "alone-" + i).finalOutput().outputs().getFirst().tokenIds();
                assertEquals(single, out.outputs().get(i).tokenIds(), "child " + i);
                assertEquals(12, single.size());
            }
        }
    }

    @Test
    void perSequenceStreamsWithAPrefixCacheAreRefusedNamingTheSetting() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> args(false, false).enablePrefixCaching(true).build());
        assertEquals("kv_unified", e.field());
        assertTrue(e.getMessage().contains("prefix caching"), e.getMessage());
    }

    @Test
    void perSequenceStreamsTooSmallForMaxModelLenAreRefusedNamingTheCacheSize() {
        EngineArgs tooSmall = args(false, false).kvCacheTokens(STREAMS * MAX_MODEL_LEN - 1).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> AsyncLLM.fromEngineArgs(tooSmall));
        assertEquals("kv_cache_tokens", e.field());
        assertTrue(e.getMessage().contains(Integer.toString(STREAMS * MAX_MODEL_LEN)), e.getMessage());
    }
}
