package dev.panllama.engine;

import dev.panllama.engine.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every streaming test again on an engine that picks tokens in the graph, which hands each step's outputs over while
 * the next decode runs: deltas, cumulative text and final outputs must arrive whole and in order all the same.
 */
class AsyncLLMStreamingHandOffUnderDecodeTest extends AsyncLLMStreamingTest {
    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(8)
                .maxNumBatchedTokens(64).deviceSampling(true).build());
    }
}
