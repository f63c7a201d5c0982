package dev.panllama.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.PauseMode;
import dev.panllama.engine.testing.TestModels;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ShutdownDrainTest {
    static final String PROMPT = "Once upon a time";

    static AsyncLLM engine() {
        return AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(2)
                .maxNumBatchedTokens(64).threads(1).build());
    }

    @Test
    void shutdownDrainsRequestsThatCanFinish() throws Exception {
        AsyncLLM llm = engine();
        TrackedRequest running = TrackedRequest.start(llm, "running", PROMPT, 100).awaitTokens(1);
        llm.shutdown(Duration.ofSeconds(30));
        assertEquals(FinishReason.LENGTH, running.finishReason());
        assertEquals(100, running.resultTokens().size());
        assertTrue(llm.errored());
    }

    @Test
    void shutdownAbortsWhatDidNotDrainInTime() throws Exception {
        AsyncLLM llm = engine();
        TrackedRequest frozen = TrackedRequest.start(llm, "frozen", PROMPT, 300).awaitTokens(1);
        llm.pauseGeneration(PauseMode.KEEP, false).get();
        llm.shutdown(Duration.ofMillis(200));
        assertEquals(FinishReason.ABORT, frozen.finishReason(), "an abort output, not an engine error");
        ExecutionException after = assertThrows(ExecutionException.class, () -> llm.isPaused().get());
        assertInstanceOf(EngineDeadException.class, after.getCause());
    }

    @Test
    void zeroDrainTimeoutAbortsAtOnce() throws Exception {
        AsyncLLM llm = engine();
        TrackedRequest running = TrackedRequest.start(llm, "running", PROMPT, 400).awaitTokens(1);
        llm.shutdown(Duration.ZERO);
        assertEquals(FinishReason.ABORT, running.finishReason());
    }
}
