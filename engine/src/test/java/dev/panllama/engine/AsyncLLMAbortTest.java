package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.assertRanToLength;
import static dev.panllama.engine.EngineTesting.collect;
import static dev.panllama.engine.EngineTesting.endless;
import static dev.panllama.engine.EngineTesting.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.EngineTesting.Collected;
import dev.panllama.engine.EngineTesting.Collector;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.testing.TestModels;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every way a request can be aborted (by id, by a list of ids, all children of n &gt; 1, queued or mid-stream, by
 * closing its stream or cancelling its subscription) ends it with the tokens so far and gives its sequence slot,
 * KV cells and sampler back; unknown ids change nothing; other requests are unaffected.
 */
class AsyncLLMAbortTest {
    /** The requests to abort ask for this many tokens; seeing fewer proves the engine stopped them. */
    private static final int ENDLESS = 1000;

    static AsyncLLM llm;
    static StepRecorder steps;

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4)
                .maxNumBatchedTokens(64).build());
        steps = StepRecorder.attachTo(llm);
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @ParameterizedTest
    @EnumSource(RequestOutputKind.class)
    void abortingOneIdEndsItWithTheTokensSoFar(RequestOutputKind kind) throws Exception {
        String id = "one-" + kind;
        RequestStream stream = llm.generate(Prompt.text("Once upon a time"), endless(kind).build(), id);
        RequestStream bystander = llm.generate(Prompt.text("The dog"), greedy(30).build(), "bystander-" + kind);
        steps.awaitDecodes(id, 5, 30_000);
        llm.abort(id);

        Collected aborted = collect(stream, kind);
        assertEquals(1, aborted.finished());
        assertTrue(aborted.last().finished());
        assertEquals(1, aborted.last().outputs().size());
        CompletionOutput last = aborted.last().outputs().getFirst();
        assertEquals(FinishReason.ABORT, last.finishReason());
        assertNull(last.stopReason());
        assertTrue(aborted.last().numCachedTokens() >= 0);
        int produced = aborted.tokens(0).size();
        assertTrue(produced >= 5 && produced < ENDLESS, "tokens so far: " + produced);
        if (kind == RequestOutputKind.FINAL_ONLY) {
            assertEquals(1, aborted.outputs(), "FINAL_ONLY shows nothing before the abort");
        }
        if (kind != RequestOutputKind.DELTA) {
            assertEquals(produced, last.tokenIds().size(), "the final output holds every token so far");
        }
        assertRanToLength(bystander, RequestOutputKind.CUMULATIVE, 30);
        assertIdleAndStopped(id);
    }

    @Test
    void abortingAListEndsRunningRequestsEveryChildAndQueuedRequests() throws Exception {
        RequestOutputKind kind = RequestOutputKind.CUMULATIVE;
        RequestStream single = llm.generate(Prompt.text("Once upon a time"), endless(kind).build(), "list-single");
        RequestStream parent = llm.generate(Prompt.text("The dog"), endless(kind).n(3).build(), "list-parent");
        // four slots are now taken: these two wait
        RequestStream queued = llm.generate(Prompt.text("Hi"), endless(kind).build(), "list-queued");
        RequestStream after = llm.generate(Prompt.text("Hi"), greedy(20).build(), "list-after");
        steps.awaitDecodes("list-single", 5, 30_000);
        steps.awaitDecodes("list-parent", 5, 30_000);
        EngineSnapshot busy = llm.engineSnapshot().get(10, TimeUnit.SECONDS);
        assertEquals(4, busy.busySlots());
        assertEquals(2, busy.waiting());

        llm.abort(List.of("list-single", "list-parent", "list-queued", "no-such-request"));

        Collected s = collect(single, kind);
        assertEquals(FinishReason.ABORT, s.finishReason(0));
        assertTrue(s.tokens(0).size() >= 5 && s.tokens(0).size() < ENDLESS);
        Collected children = collect(parent, kind);
        assertEquals(1, children.finished());
        assertEquals(Set.of(0, 1, 2), children.tokens().keySet());
        for (int i = 0; i < 3; i++) {
            assertEquals(FinishReason.ABORT, children.finishReason(i), "child " + i);
            assertTrue(children.tokens(i).size() > 0 && children.tokens(i).size() < ENDLESS, "child " + i);
        }
        Collected q = collect(queued, kind);
        assertEquals(1, q.outputs(), "a queued request's only output is its abort");
        assertEquals(FinishReason.ABORT, q.finishReason(0));
        assertEquals(List.of(), q.tokens(0));
        assertRanToLength(after, kind, 20);
        assertIdleAndStopped("list-single");
        assertTrue(steps.stepsOf("list-parent").size() < ENDLESS);
        assertEquals(List.of(), steps.stepsOf("list-queued"), "the queued request never ran");
    }

    @Test
    void closingTheStreamMidwayAbortsTheRequest() throws Exception {
        RequestOutputKind kind = RequestOutputKind.DELTA;
        RequestStream bystander = llm.generate(Prompt.text("The dog"), greedy(40).build(), "close-bystander");
        RequestStream stream = llm.generate(Prompt.text("Once upon a time"), endless(kind).build(), "closed");
        Collector seen = new Collector(kind);
        while (seen.tokenCount(0) < 5) {
            seen.accept(stream.next());
        }
        stream.close();
        assertFalse(stream.hasNext(), "a closed stream ends");
        stream.close(); // idempotent
        assertRanToLength(bystander, RequestOutputKind.CUMULATIVE, 40);
        assertIdleAndStopped("closed");
    }

    @Test
    void cancellingTheSubscriptionAbortsTheRequest() throws Exception {
        RequestOutputKind kind = RequestOutputKind.DELTA;
        RequestStream stream = llm.generate(Prompt.text("Once upon a time"), endless(kind).build(), "cancelled");
        Collector seen = new Collector(kind);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicBoolean completed = new AtomicBoolean();
        stream.subscribe(new Flow.Subscriber<>() {
            private Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(RequestOutput item) {
                seen.accept(item);
                if (seen.tokenCount(0) >= 5) {
                    subscription.cancel();
                    cancelled.countDown();
                } else {
                    subscription.request(1);
                }
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
            }

            @Override
            public void onComplete() {
                completed.set(true);
            }
        });
        assertTrue(cancelled.await(30, TimeUnit.SECONDS));
        assertIdleAndStopped("cancelled");
        assertNull(error.get(), "no error after cancel");
        assertFalse(completed.get(), "no completion after cancel");
    }

    @Test
    void unknownAndFinishedIdsAreANoOp() throws Exception {
        List<Integer> done = EngineTesting.run(llm, Prompt.text("Hi"), greedy(8).build(), "done");
        assertEquals(8, done.size());
        RequestStream live = llm.generate(Prompt.text("Once upon a time"), greedy(40).build(), "live");
        llm.abort("never-submitted");
        llm.abort("done");
        llm.abort(List.of());
        assertRanToLength(live, RequestOutputKind.CUMULATIVE, 40);
        assertIdle(llm);
    }

    @Test
    void anAbortReachesEveryRequestSharingTheIdAndTheIdCanBeReused() throws Exception {
        RequestOutputKind kind = RequestOutputKind.CUMULATIVE;
        RequestStream first = llm.generate(Prompt.text("Once upon a time"), endless(kind).build(), "shared");
        RequestStream second = llm.generate(Prompt.text("The dog"), endless(kind).build(), "shared");
        steps.awaitDecodes("shared", 4, 30_000);
        llm.abort("shared");
        assertEquals(FinishReason.ABORT, collect(first, kind).finishReason(0));
        assertEquals(FinishReason.ABORT, collect(second, kind).finishReason(0));
        assertIdle(llm);

        assertRanToLength(llm.generate(Prompt.text("Hi"), greedy(10).build(), "shared"), kind, 10);
        assertIdle(llm);
    }

    /** Nothing leaked, and the engine stopped computing the request long before its {@value #ENDLESS} tokens. */
    private static void assertIdleAndStopped(String id) throws Exception {
        assertIdle(llm);
        steps.awaitStep(llm.engineSnapshot().get().steps());
        int stepsRun = steps.stepsOf(id).size();
        assertTrue(stepsRun > 0 && stepsRun < ENDLESS, id + " ran " + stepsRun + " steps");
    }
}
