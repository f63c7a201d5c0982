package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.testing.TestModels;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ControlPlaneEngineDeathTest {

    @Test
    void pendingControlCallsFailWithEngineDeadWhenTheEngineDies() throws Exception {
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(2)
                .threads(1).build())) {
            RequestStream stream = llm.generate(Prompt.text("Once upon a time"), SamplingParams.builder().maxTokens(300)
                    .ignoreEos(true).build(), "frozen");
            stream.next();
            llm.pauseGeneration(PauseMode.KEEP, false).get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> drain = llm.waitForRequestsToDrain(Duration.ofMinutes(1));
            ((InProcessClient) llm.engineCoreClient()).failEngine(new IllegalStateException("simulated native failure"));
            ExecutionException pending = assertThrows(ExecutionException.class, () -> drain.get(10, TimeUnit.SECONDS));
            assertInstanceOf(EngineDeadException.class, pending.getCause());
            ExecutionException later = assertThrows(ExecutionException.class, () -> llm.resumeGeneration().get(10, TimeUnit.SECONDS));
            assertInstanceOf(EngineDeadException.class, later.getCause());
        }
    }
}
