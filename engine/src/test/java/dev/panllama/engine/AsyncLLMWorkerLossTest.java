package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.endless;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import dev.panllama.engine.testing.TestModels;
import dev.panllama.engine.workers.LocalWorkers;
import dev.panllama.engine.workers.WorkerLostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker killed while a request computes on it: the request fails with EngineDeadException naming the lost
 * worker, the engine reports itself dead, and the process lives on (ggml's own reaction would be to abort it); a
 * local engine started afterwards in the same process keeps off the lost servers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncLLMWorkerLossTest {

    @Test
    void aWorkerKilledMidRequestFailsTheRequestAndTheEngineWithoutEndingTheProcess() throws Exception {
        try (LocalWorkers workers = LocalWorkers.start(2, 1)) {
            AsyncLLM llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(2048)
                    .maxNumSeqs(2).threads(1)
                    .parallel(new ParallelConfig(workers.controlEndpoints(), workers.tokenFile(), 0, SplitMode.LAYER, 1)).build());
            try {
                SamplingParams forever = endless(RequestOutputKind.DELTA).maxTokens(2000).build();
                RequestStream stream = llm.generate(Prompt.text("Once upon a time"), forever, "long");
                assertTrue(stream.hasNext(), "the request started");
                stream.next();
                CompletableFuture<Throwable> ended = CompletableFuture.supplyAsync(() -> {
                    try {
                        while (stream.hasNext()) {
                            stream.next();
                        }
                        return null;
                    } catch (RuntimeException e) {
                        return e;
                    }
                });
                workers.kill(0);
                Throwable failure = ended.get(20, TimeUnit.SECONDS);
                EngineDeadException dead = assertInstanceOf(EngineDeadException.class, failure);
                assertInstanceOf(WorkerLostException.class, dead.getCause(), dead.toString());
                assertTrue(llm.errored());
                assertThrows(EngineDeadException.class, () -> llm.generate(Prompt.text("Hi"), forever, "after"));
            } finally {
                llm.shutdown();
            }
        }
        // the lost servers stay in ggml's device registry: an engine that did not ask for them must not touch them
        try (AsyncLLM local = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(128)
                .threads(1).build())) {
            assertEquals(8, EngineTesting.run(local, Prompt.text("Once"), EngineTesting.greedy(8).build(), "local").size());
            assertEquals(List.of("pong"), local.collectiveRpc("ping", null, List.of(), Map.of()).get());
        }
    }
}
