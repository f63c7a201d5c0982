package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.endless;
import static dev.panllama.engine.EngineTesting.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.testing.TestModels;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * When the engine thread fails, every open stream ends with {@link EngineDeadException}, the engine reports
 * itself dead and refuses new work at once; shutdown is idempotent and leaves no engine thread behind.
 */
class EngineDeathTest {
    private static final String ROOT_CAUSE = "injected decode failure";

    @Test
    void aFailedEngineThreadFailsEveryStreamAndEveryLaterCall() throws Exception {
        Set<Thread> before = liveThreads();
        AsyncLLM llm = start();
        try {
            StepRecorder steps = StepRecorder.attachTo(llm);
            RequestStream delta = llm.generate(Prompt.text("Once upon a time"), endless(RequestOutputKind.DELTA).build(), "delta");
            RequestStream children = llm.generate(Prompt.text("The dog"),
                    endless(RequestOutputKind.CUMULATIVE).n(2).build(), "children");
            RequestStream finalOnly = llm.generate(Prompt.text("Hi"), endless(RequestOutputKind.FINAL_ONLY).build(), "final");
            CompletableFuture<Throwable> flowError = new CompletableFuture<>();
            llm.generate(Prompt.text("Lily"), endless(RequestOutputKind.DELTA).build(), "flow").subscribe(errorCatcher(flowError));
            steps.awaitDecodes("delta", 3, 30_000);
            steps.awaitDecodes("flow", 3, 30_000);

            ((InProcessClient) llm.engineCoreClient()).failEngine(new IllegalStateException(ROOT_CAUSE));

            for (RequestStream stream : List.of(delta, children, finalOnly)) {
                EngineDeadException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> assertThrows(EngineDeadException.class, () -> stream.forEachRemaining(out -> { })));
                assertHasRootCause(e);
            }
            assertHasRootCause(assertInstanceOf(EngineDeadException.class, flowError.get(30, TimeUnit.SECONDS)));

            assertTrue(llm.errored());
            assertFalse(llm.isRunning());
            assertTrue(llm.isStopped());
            assertHasRootCause(assertThrows(EngineDeadException.class, llm::checkHealth));
            assertHasRootCause(llm.deadError());
            // a later request fails at once, before reaching any queue
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(EngineDeadException.class,
                    () -> llm.generate(Prompt.text("Hi"), greedy(4).build(), "late")));
            assertThrows(EngineDeadException.class, () -> llm.addRequest("late", new int[] {1, 2}, greedy(4).build(),
                    GenerateOptions.defaults()));
            ExecutionException snapshot = assertThrows(ExecutionException.class,
                    () -> llm.engineSnapshot().get(10, TimeUnit.SECONDS));
            assertInstanceOf(EngineDeadException.class, snapshot.getCause());
            llm.abort("delta", "late"); // nothing to abort: a no-op, not an error
            assertEquals(0, llm.liveRequestCount());
        } finally {
            llm.shutdown();
            llm.shutdown();
        }
        assertNoThreadLeft(before);
    }

    @Test
    void shutdownEndsOpenStreamsRefusesNewRequestsAndIsIdempotent() throws Exception {
        Set<Thread> before = liveThreads();
        AsyncLLM llm = start();
        StepRecorder steps = StepRecorder.attachTo(llm);
        RequestStream open = llm.generate(Prompt.text("Once upon a time"), endless(RequestOutputKind.DELTA).build(), "open");
        steps.awaitDecodes("open", 2, 30_000);

        llm.shutdown();
        assertThrows(EngineDeadException.class, () -> open.forEachRemaining(out -> { }));
        assertTrue(llm.errored());
        assertThrows(EngineDeadException.class, llm::checkHealth);
        assertThrows(EngineDeadException.class, () -> llm.generate(Prompt.text("Hi"), greedy(4).build(), "late"));
        ExecutionException snapshot = assertThrows(ExecutionException.class,
                () -> llm.engineSnapshot().get(10, TimeUnit.SECONDS));
        assertInstanceOf(EngineDeadException.class, snapshot.getCause());
        llm.shutdown();
        llm.close();
        assertNoThreadLeft(before);
    }

    private static AsyncLLM start() {
        return AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(8).build());
    }

    private static Flow.Subscriber<RequestOutput> errorCatcher(CompletableFuture<Throwable> error) {
        return new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(RequestOutput item) {
            }

            @Override
            public void onError(Throwable t) {
                error.complete(t);
            }

            @Override
            public void onComplete() {
                error.completeExceptionally(new AssertionError("the stream completed although the engine died"));
            }
        };
    }

    private static void assertHasRootCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && ROOT_CAUSE.equals(t.getMessage())) {
                return;
            }
        }
        throw new AssertionError("no '" + ROOT_CAUSE + "' in the cause chain of " + e, e);
    }

    private static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet();
    }

    /** The engine and output threads ended, and no thread that outlives the JVM's last user thread was left. */
    private static void assertNoThreadLeft(Set<Thread> before) throws InterruptedException {
        Set<Thread> left = Set.of();
        for (int attempt = 0; attempt < 50; attempt++) {
            left = liveThreads().stream().filter(t -> !before.contains(t) && t.isAlive())
                    .filter(t -> !t.isDaemon() || t.getName().startsWith("panllama-")).collect(Collectors.toSet());
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("threads left after shutdown: " + left);
    }
}
