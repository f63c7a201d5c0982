package dev.panllama.engine.control;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every pause test again on an engine that picks tokens in the graph, which holds each step's outputs back until the
 * next decode is submitted: a pause, an abort or a drain must still see every output sent before it delivered first.
 */
class PauseGenerationHandOffUnderDecodeTest extends PauseGenerationTest {
    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4)
                .maxNumBatchedTokens(64).threads(1).deviceSampling(true).build());
    }
}
