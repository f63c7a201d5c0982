package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.ModelSynthesizer;
import dev.panllama.engine.models.QuantType;
import dev.panllama.engine.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link EngineArgs#pinKvView}: with the KV cache's last cell held, llama.cpp's attention view spans the whole cache,
 * so decode steps keep one graph while the used cells grow past 256-cell boundaries, where an engine without it
 * rebuilds its graph; the tokens are the same, and a prefix-cache reset pins the view again.
 */
class AsyncLLMPinnedKvViewTest {
    private static final int STREAMS = 8;
    private static final int TOKENS = 120;

    private static EngineArgs args(boolean pin, boolean inGraph) {
        // 8 streams x ~125 cells grow the used cells from ~40 to ~1,000: four 256-cell boundaries on the way
        return EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(STREAMS).maxNumBatchedTokens(256)
                .kvCacheTokens(1024).maxModelLen(256).threads(1).deviceSampling(inGraph).pinKvView(pin).build();
    }

    private static List<String> prompts() {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            prompts.add("Once upon a time " + i);
        }
        return prompts;
    }

    /** Every request queued behind a pause and admitted at resume, so two engines alike run the same batches. */
    private static Map<String, List<Integer>> runTogether(AsyncLLM llm) {
        llm.pauseGeneration(PauseMode.WAIT, false).join();
        List<RequestStream> streams = new ArrayList<>();
        List<String> prompts = prompts();
        for (int i = 0; i < prompts.size(); i++) {
            SamplingParams greedy = SamplingParams.builder().temperature(0.0).maxTokens(TOKENS).ignoreEos(true).build();
            streams.add(llm.generate(Prompt.text(prompts.get(i)), greedy, "p" + i + "-" + System.nanoTime()));
        }
        llm.resumeGeneration().join();
        Map<String, List<Integer>> tokens = new TreeMap<>();
        for (int i = 0; i < streams.size(); i++) {
            tokens.put(prompts.get(i), streams.get(i).finalOutput().outputs().getFirst().tokenIds());
        }
        return tokens;
    }

    /** The steps in which every stream decoded and none prefilled, after the first of them. */
    private static List<StepStats> steadySteps(StepRecorder recorder) {
        List<StepStats> steady = recorder.steps().stream()
                .filter(s -> s.prefillTokens() == 0 && s.decodeRequests().size() == STREAMS).toList();
        return steady.subList(1, steady.size());
    }

    /** Also with the picks made in the graph (a GPU engine's default), whose samplers stay attached across the reset. */
    @ParameterizedTest(name = "picks in the graph: {0}")
    @ValueSource(booleans = {false, true})
    void aPinnedViewKeepsOneGraphWhileTheCacheFillsAndDecodesTheSameTokens(boolean inGraph) throws Exception {
        Map<String, List<Integer>> pinnedTokens;
        Map<String, List<Integer>> plainTokens;
        try (AsyncLLM pinned = AsyncLLM.fromEngineArgs(args(true, inGraph))) {
            StepRecorder steps = StepRecorder.attachTo(pinned);
            pinnedTokens = runTogether(pinned);
            List<StepStats> steady = steadySteps(steps);
            assertTrue(steady.size() >= TOKENS - 5, "steady steps: " + steady.size());
            assertEquals(List.of(), steady.stream().filter(s -> !s.graphReused()).map(StepStats::step).toList(),
                    "steps that built a new graph with the view pinned");

            // emptying the cache (every request preempted, prefixes dropped) pins the view again
            assertTrue(pinned.resetPrefixCache(false).join());
            // a step's stats reach listeners just after its outputs: let the first run's last step arrive before
            // clearing, or it would count as the second run's first steady step
            steps.awaitStep(pinned.engineSnapshot().get().steps());
            steps.clear();
            assertEquals(pinnedTokens, runTogether(pinned), "the same tokens after the reset");
            assertEquals(List.of(), steadySteps(steps).stream().filter(s -> !s.graphReused()).map(StepStats::step).toList(),
                    "steps that built a new graph after the reset");
        }
        try (AsyncLLM plain = AsyncLLM.fromEngineArgs(args(false, inGraph))) {
            StepRecorder steps = StepRecorder.attachTo(plain);
            plainTokens = runTogether(plain);
            long rebuilt = steadySteps(steps).stream().filter(s -> !s.graphReused()).count();
            assertTrue(rebuilt >= 3, "without the pin the view grows past 256-cell boundaries: " + rebuilt + " new graphs");
        }
        assertEquals(plainTokens, pinnedTokens);
    }

    @Test
    void wakingFromSleepPinsTheNewCachesView() {
        EngineArgs sleepy = EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(STREAMS).maxNumBatchedTokens(256)
                .kvCacheTokens(1024).maxModelLen(256).threads(1).pinKvView(true).enableSleepMode(true).build();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(sleepy)) {
            Map<String, List<Integer>> before = runTogether(llm);
            llm.sleep(1).join(); // frees the context; waking makes a new one
            llm.wakeUp().join();
            StepRecorder steps = StepRecorder.attachTo(llm);
            assertEquals(before, runTogether(llm));
            assertEquals(List.of(), steadySteps(steps).stream().filter(s -> !s.graphReused()).map(StepStats::step).toList(),
                    "steps that built a new graph after waking");
        }
    }

    @Test
    void aModelWithoutKvMemoryRefusesThePin(@TempDir Path dir) {
        Path bert = ModelSynthesizer.synthesize(ModelPreset.BERT_MINI, dir.resolve("bert.gguf"), QuantType.F16, 1);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> AsyncLLM.fromEngineArgs(
                EngineArgs.builder().model(bert).maxNumSeqs(2).threads(1).enablePrefixCaching(false).pinKvView(true).build()));
        assertTrue(e.getMessage().contains("pin_kv_view") && e.getMessage().contains("no KV memory"), e.getMessage());
    }
}
