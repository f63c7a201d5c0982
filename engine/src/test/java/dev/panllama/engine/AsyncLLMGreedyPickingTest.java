package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wherever greedy tokens are picked, they are the same: inside the decode graph (turned on explicitly here; by default
 * GPU engines pick there), read back per row or all at once, on several threads when a step has many large rows, or in
 * order on the engine thread. Requests that need their logits (logprobs, penalties, sampling, prompt logprobs) share steps with
 * graph-picked ones unchanged.
 */
class AsyncLLMGreedyPickingTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The dog",
            "Lily and Tom went to the park to play with a ball", "Hi", "One day, a little girl named Sue found a box.", "Ben");

    private static AsyncLLM onDevice;
    private static AsyncLLM onHost;

    @BeforeAll
    static void start() {
        onDevice = AsyncLLM.fromEngineArgs(args().deviceSampling(true).build());
        onHost = AsyncLLM.fromEngineArgs(args().deviceSampling(false).build());
    }

    private static EngineArgs.Builder args() {
        return EngineArgs.builder().model(TestModels.tinySynthetic()).maxModelLen(256).maxNumSeqs(8).maxNumBatchedTokens(64)
                .threads(1);
    }

    @AfterAll
    static void stop() {
        onDevice.shutdown();
        onHost.shutdown();
    }

    /** Every request at once; the outputs by prompt. */
    private static Map<String, RequestOutput> runTogether(AsyncLLM llm, List<String> prompts, List<SamplingParams> params) {
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            streams.add(llm.generate(Prompt.text(prompts.get(i)), params.get(i), "r" + i + "-" + System.nanoTime()));
        }
        Map<String, RequestOutput> outputs = new TreeMap<>();
        for (int i = 0; i < streams.size(); i++) {
            outputs.put(i + ":" + prompts.get(i), streams.get(i).finalOutput());
        }
        return outputs;
    }

    /**
     * As {@link #runTogether}, with every request queued behind a pause first: they are admitted at resume in their
     * order, so two engines alike run the same batches whatever the threads' timing.
     */
    private static Map<String, RequestOutput> runTogetherFromPause(AsyncLLM llm, List<String> prompts,
                                                                   List<SamplingParams> params) {
        llm.pauseGeneration(PauseMode.WAIT, false).join();
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            streams.add(llm.generate(Prompt.text(prompts.get(i)), params.get(i), "r" + i + "-" + System.nanoTime()));
        }
        llm.resumeGeneration().join();
        Map<String, RequestOutput> outputs = new TreeMap<>();
        for (int i = 0; i < streams.size(); i++) {
            outputs.put(i + ":" + prompts.get(i), streams.get(i).finalOutput());
        }
        return outputs;
    }

    private static List<Integer> tokens(RequestOutput out) {
        return out.outputs().getFirst().tokenIds();
    }

    @Test
    void greedyTokensEqualTheHostArgmaxWhenRunTogether() throws Exception {
        List<SamplingParams> params = PROMPTS.stream().map(p -> greedy(24).ignoreEos(true).build()).toList();
        Map<String, RequestOutput> device = runTogether(onDevice, PROMPTS, params);
        Map<String, RequestOutput> host = runTogether(onHost, PROMPTS, params);
        for (String key : device.keySet()) {
            assertEquals(24, tokens(device.get(key)).size(), key);
            assertEquals(tokens(host.get(key)), tokens(device.get(key)), key);
        }
        assertIdle(onDevice);
    }

    @Test
    void manyLargeRowsScannedOnSeveralThreadsPickWhatOneThreadPicks() {
        // 40 rows of a 32,000-token vocabulary in a step: above the engine's threshold for scanning in parallel
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            prompts.add(PROMPTS.get(i % PROMPTS.size()) + " " + i);
        }
        List<SamplingParams> plain = prompts.stream().map(p -> greedy(12).ignoreEos(true).build()).toList();
        // asking for a logprob takes each row through the per-request path, one row after another on the engine thread;
        // the batches stay the same (same prompts, same engine settings, a fresh engine, every request admitted at once
        // from a pause), and so do the logits:
        // comparing with engines that batch differently would compare llama.cpp's numerics at near-ties instead
        List<SamplingParams> scored = prompts.stream().map(p -> greedy(12).ignoreEos(true).logprobs(1).build()).toList();
        EngineArgs wideArgs = args().maxNumSeqs(40).maxNumBatchedTokens(512).deviceSampling(false).build();
        Map<String, RequestOutput> parallel;
        Map<String, RequestOutput> inOrder;
        AsyncLLM wide = AsyncLLM.fromEngineArgs(wideArgs);
        try {
            StepRecorder steps = StepRecorder.attachTo(wide);
            parallel = runTogetherFromPause(wide, prompts, plain);
            assertTrue(steps.steps().stream().anyMatch(s -> s.decodeRequests().size() >= 33),
                    "no step decoded enough rows to scan them in parallel");
        } finally {
            wide.shutdown();
        }
        AsyncLLM wideScored = AsyncLLM.fromEngineArgs(wideArgs);
        try {
            inOrder = runTogetherFromPause(wideScored, prompts, scored);
        } finally {
            wideScored.shutdown();
        }
        for (String key : parallel.keySet()) {
            assertEquals(tokens(inOrder.get(key)), tokens(parallel.get(key)), key);
        }
    }

    @Test
    void requestsThatNeedLogitsShareStepsWithGraphPickedOnes() throws Exception {
        List<SamplingParams> params = List.of(
                greedy(20).ignoreEos(true).build(),
                greedy(20).ignoreEos(true).logprobs(3).build(),
                SamplingParams.builder().temperature(0.8).seed(7L).maxTokens(20).ignoreEos(true).build(),
                greedy(20).ignoreEos(true).repetitionPenalty(1.3).build(),
                greedy(20).ignoreEos(true).promptLogprobs(2).build(),
                greedy(20).ignoreEos(true).build());
        for (int round = 0; round < 2; round++) { // the second round finds slots whose kind of request changed
            Map<String, RequestOutput> device = runTogether(onDevice, PROMPTS, params);
            Map<String, RequestOutput> host = runTogether(onHost, PROMPTS, params);
            for (String key : device.keySet()) {
                assertEquals(tokens(host.get(key)), tokens(device.get(key)), key);
            }
            for (int i = 0; i < params.size(); i++) {
                RequestOutput out = device.get(i + ":" + PROMPTS.get(i));
                if (params.get(i).logprobs() != null) {
                    assertEquals(20, out.outputs().getFirst().logprobs().size(), "round " + round + ", request " + i);
                }
                if (params.get(i).promptLogprobs() != null) {
                    assertNotNull(out.promptLogprobs(), "round " + round + ", request " + i);
                }
            }
            List<SamplingParams> rotated = new ArrayList<>(params.subList(1, params.size()));
            rotated.add(params.getFirst());
            params = rotated;
        }
        assertIdle(onDevice);
    }
}
