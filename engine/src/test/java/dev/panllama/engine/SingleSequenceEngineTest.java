package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panllama.engine.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An engine of one sequence runs without a unified KV cache: it must decode exactly as a many-sequence engine. */
class SingleSequenceEngineTest {

    private static List<Integer> greedyTokens(int maxNumSeqs, String prompt) {
        EngineArgs args = EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(maxNumSeqs).maxModelLen(256).build();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args)) {
            SamplingParams greedy = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(64)
                    .outputKind(RequestOutputKind.FINAL_ONLY).build();
            return llm.generate(Prompt.text(prompt), greedy, "single").finalOutput().outputs().getFirst().tokenIds();
        }
    }

    @Test
    void oneSequenceEngineGivesTheSameGreedyTokensAsAManySequenceEngine() {
        String prompt = "Once upon a time, there was a little girl";
        List<Integer> single = greedyTokens(1, prompt);
        assertEquals(64, single.size());
        assertEquals(greedyTokens(4, prompt), single);
    }

    @Test
    void oneSequenceEngineRunsRequestsOneAfterAnother() {
        EngineArgs args = EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(1).maxModelLen(128).build();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args)) {
            SamplingParams params = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(100).build();
            RequestStream first = llm.generate(Prompt.text("The dog"), params, "a");
            RequestStream second = llm.generate(Prompt.text("The cat"), params, "b");
            assertEquals(100, first.finalOutput().metrics().numGenerationTokens());
            assertEquals(100, second.finalOutput().metrics().numGenerationTokens());
        }
    }
}
