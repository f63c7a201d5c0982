package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Greedy tokens picked inside the decode graph are the tokens the host's argmax picks, and requests that need their
 * logits (logprobs, penalties, sampling, prompt logprobs) share steps with them unchanged. Turned on explicitly here:
 * by default only a GPU engine picks in the graph.
 */
class AsyncLLMDeviceSamplingTest {
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
