package dev.panllama.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.PauseMode;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.testing.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PauseGenerationTest {
    static final Duration QUIET = Duration.ofMillis(300);
    static final String PROMPT = "Once upon a time";
    static AsyncLLM llm;

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4)
                .maxNumBatchedTokens(64).threads(1).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @AfterEach
    void resumeAndCheckNothingLeaked() throws Exception {
        llm.resumeGeneration().get(10, TimeUnit.SECONDS);
        llm.waitForRequestsToDrain(Duration.ofSeconds(30)).get();
        EngineSnapshot s = llm.engineSnapshot().get(10, TimeUnit.SECONDS);
        assertEquals(0, s.running() + s.waiting() + s.busySlots() + s.kvUsedTokens() + s.activeSamplers(), s.toString());
    }

    @Test
    void abortModeEndsInflightRequestsAndQueuesNewOnesUntilResume() throws Exception {
        TrackedRequest running = TrackedRequest.start(llm, "running", PROMPT, 400).awaitTokens(2);
        llm.pauseGeneration(PauseMode.ABORT, true).get(10, TimeUnit.SECONDS);
        // the pause completed after the abort output was delivered
        assertTrue(running.finishesSoon());
        assertEquals(FinishReason.ABORT, running.finishReason());
        assertTrue(running.result().tokenIds().size() < 400);
        assertTrue(llm.isPaused().get());

        TrackedRequest queued = TrackedRequest.start(llm, "queued", PROMPT, 20);
        assertEquals(0, queued.tokensAfter(QUIET));
        EngineSnapshot s = llm.engineSnapshot().get();
        assertEquals(1, s.waiting());
        assertEquals(0, s.running());

        llm.resumeGeneration().get();
        assertFalse(llm.isPaused().get());
        assertEquals(FinishReason.LENGTH, queued.finishReason());
        assertEquals(20, queued.resultTokens().size());
    }

    @Test
    void waitModeLetsRunningRequestsFinishWhileQueuedOnesStayQueued() throws Exception {
        TrackedRequest running = TrackedRequest.start(llm, "running", PROMPT, 150).awaitTokens(1);
        var pause = llm.pauseGeneration(PauseMode.WAIT, false);
        TrackedRequest queued = TrackedRequest.start(llm, "queued", PROMPT, 10);
        pause.get(30, TimeUnit.SECONDS);
        assertEquals(0, llm.engineSnapshot().get().running(), "the wait pause completes only after the running request finished");
        assertTrue(running.finishesSoon());
        assertEquals(FinishReason.LENGTH, running.finishReason());
        assertEquals(150, running.resultTokens().size());
        assertEquals(0, queued.tokensAfter(QUIET));
        assertEquals(1, llm.engineSnapshot().get().waiting());

        llm.resumeGeneration().get();
        assertEquals(10, queued.resultTokens().size());
    }

    @Test
    void olderBooleanFormMapsOntoModes() throws Exception {
        assertEquals(PauseMode.WAIT, PauseMode.fromWaitForInflightRequests(true));
        assertEquals(PauseMode.ABORT, PauseMode.fromWaitForInflightRequests(false));
        TrackedRequest running = TrackedRequest.start(llm, "running", PROMPT, 100).awaitTokens(1);
        llm.pauseGeneration(true, false).get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.LENGTH, running.finishReason());
        llm.resumeGeneration().get();
        running = TrackedRequest.start(llm, "running2", PROMPT, 400).awaitTokens(1);
        llm.pauseGeneration(false, false).get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.ABORT, running.finishReason());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void keepModeFreezesAndResumesWithTheSameGreedyTokens(boolean clearCache) throws Exception {
        List<Integer> reference = TrackedRequest.start(llm, "reference", PROMPT, 120).resultTokens();

        TrackedRequest frozen = TrackedRequest.start(llm, "frozen", PROMPT, 120).awaitTokens(3);
        llm.pauseGeneration(PauseMode.KEEP, clearCache).get(10, TimeUnit.SECONDS);
        // the pause completes once the outputs before it reached the request's stream; the reader thread may still be
        // counting the last of them, so read the count after it settles (a request still decoding would not settle)
        int atPause = frozen.tokensAfter(Duration.ofMillis(50));
        assertEquals(atPause, frozen.tokensAfter(QUIET), "a frozen request makes no progress");
        assertFalse(frozen.done.isDone());
        EngineSnapshot s = llm.engineSnapshot().get();
        if (clearCache) {
            // its KV cells were given back; it recomputes its prefix after resume
            assertEquals(0, s.kvUsedTokens());
            assertEquals(1, s.waiting());
        } else {
            assertEquals(1, s.running());
        }

        llm.resumeGeneration().get();
        assertEquals(FinishReason.LENGTH, frozen.finishReason());
        assertEquals(reference, frozen.resultTokens());
    }

    @Test
    void requestQueuedWhilePausedCanBeAbortedWithZeroTokens() throws Exception {
        llm.pauseGeneration(PauseMode.ABORT, false).get(10, TimeUnit.SECONDS);
        TrackedRequest queued = TrackedRequest.start(llm, "queued", PROMPT, 20);
        assertEquals(0, queued.tokensAfter(Duration.ofMillis(100)));
        llm.abort("queued");
        assertEquals(FinishReason.ABORT, queued.finishReason());
        assertEquals(0, queued.resultTokens().size());
        assertEquals(0, llm.engineSnapshot().get().waiting());
    }

    @Test
    void resumeWhenNotPausedIsANoOpAndRepeatedPauseIsAllowed() throws Exception {
        llm.resumeGeneration().get(10, TimeUnit.SECONDS);
        assertFalse(llm.isPaused().get());
        llm.pauseGeneration(PauseMode.KEEP, false).get(10, TimeUnit.SECONDS);
        llm.pauseGeneration(PauseMode.WAIT, false).get(10, TimeUnit.SECONDS);
        llm.pauseGeneration(PauseMode.ABORT, false).get(10, TimeUnit.SECONDS);
        assertTrue(llm.isPaused().get());
        llm.resumeGeneration().get();
        llm.resumeGeneration().get();
        assertFalse(llm.isPaused().get());
    }

    @Test
    void concurrentPauseAndResumeNeverDeadlock() throws Exception {
        TrackedRequest background = TrackedRequest.start(llm, "background", PROMPT, 300);
        PauseMode[] modes = PauseMode.values();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                tasks.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        PauseMode mode = modes[ThreadLocalRandom.current().nextInt(modes.length)];
                        llm.pauseGeneration(mode, ThreadLocalRandom.current().nextBoolean()).get(20, TimeUnit.SECONDS);
                        llm.resumeGeneration().get(20, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            for (Future<?> task : tasks) {
                task.get(60, TimeUnit.SECONDS);
            }
        }
        llm.resumeGeneration().get();
        background.result(); // finished one way or another (an abort-mode pause may have ended it)
        TrackedRequest after = TrackedRequest.start(llm, "after", PROMPT, 10);
        assertEquals(10, after.resultTokens().size());
    }
}
