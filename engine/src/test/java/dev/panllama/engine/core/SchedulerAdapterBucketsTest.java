package dev.panllama.engine.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.SchedulingPolicy;
import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's adapter-set buckets, without decoding: every step holds one set, the sets take turns, and a
 * request whose adapter would exceed max_loras waits until a running adapter's requests are done.
 */
class SchedulerAdapterBucketsTest {
    static Model model;
    static Context context;

    @BeforeAll
    static void open() {
        model = Model.load(TestModels.stories260K());
        context = Context.create(model, ContextParams.defaults().withContextLength(256).withMaxSequences(8).withThreads(1));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A set told apart by its scale; the scheduler never touches the adapter itself. */
    record FakeLease(LoraRuntime.AdapterSet adapterSet) implements LoraRuntime.Lease {
        FakeLease(float scale) {
            this(new LoraRuntime.AdapterSet(null, scale));
        }

        @Override public void close() { }
    }

    private long arrivals;

    private EngineRequest request(String id, Float adapterScale, int maxTokens) {
        EngineRequest r = new EngineRequest(id, new int[] {1, 2, 3}, SamplingParams.defaults(), 0, arrivals++, 1, null, maxTokens, null);
        if (adapterScale != null) {
            r.holdLora(new FakeLease(adapterScale));
        }
        return r;
    }

    /** One step as the engine core runs it, with a dummy sampled token; returns the step's adapter set. */
    private static Object step(Scheduler scheduler, KvCacheManager kv, List<ScheduledChunk> chunks) {
        Set<Object> sets = new HashSet<>();
        for (ScheduledChunk chunk : chunks) {
            sets.add(Objects.requireNonNullElse(chunk.request().adapterSet(), "base"));
            chunk.request().advance(chunk.count());
            kv.commit(chunk.request(), chunk.count());
        }
        assertEquals(1, sets.size(), "one adapter set per step: " + sets);
        for (ScheduledChunk chunk : chunks) {
            EngineRequest r = chunk.request();
            if (chunk.samples()) {
                r.appendOutput(7);
                if (r.outputLength() >= r.maxTokens()) {
                    r.finish(dev.panllama.engine.FinishReason.LENGTH, null);
                    scheduler.finish(r);
                }
            }
        }
        return sets.iterator().next();
    }

    @Test
    void bucketsTakeTurnsAndAdaptersBeyondMaxLorasWait() {
        KvCacheManager kv = new KvCacheManager(context, 8, 0);
        Scheduler scheduler = new Scheduler(SchedulingPolicy.FCFS, 64, kv, 2);
        scheduler.add(request("base", null, 6));
        scheduler.add(request("a", 1f, 6));
        scheduler.add(request("b", 2f, 6));
        scheduler.add(request("c", 3f, 2));
        List<Object> order = new ArrayList<>();
        while (scheduler.hasUnfinished()) {
            List<ScheduledChunk> chunks = scheduler.schedule();
            assertFalse(chunks.isEmpty(), "something can always run");
            for (ScheduledChunk c : chunks) {
                assertFalse(c.request().id().equals("c") && running(scheduler, "a") && running(scheduler, "b"),
                        "c must wait while two adapters run");
            }
            order.add(step(scheduler, kv, chunks));
            assertTrue(order.size() < 100);
        }
        // the three first buckets take turns of STEPS_PER_TURN steps; adapter c starts only after a or b finished
        int turn = Scheduler.STEPS_PER_TURN;
        Object base = order.get(0);
        Object a = order.get(turn);
        Object b = order.get(2 * turn);
        List<Object> expected = new ArrayList<>();
        for (Object bucket : List.of(base, a, b)) {
            for (int i = 0; i < turn; i++) {
                expected.add(bucket);
            }
        }
        assertEquals(expected, order.subList(0, 3 * turn));
        assertEquals(3, new HashSet<>(expected).size());
        int firstC = order.indexOf(new FakeLease(3f).adapterSet());
        assertTrue(firstC > order.lastIndexOf(a) || firstC > order.lastIndexOf(b), "c ran at step " + firstC + ": " + order);
        assertEquals(0, kv.slotsInUse());
    }

    private static boolean running(Scheduler scheduler, String id) {
        EngineRequest r = scheduler.get(id);
        return r != null && r.slot() >= 0;
    }

    @Test
    void withoutAdaptersEveryStepServesEveryRunningRequest() {
        KvCacheManager kv = new KvCacheManager(context, 8, 0);
        Scheduler scheduler = new Scheduler(SchedulingPolicy.FCFS, 64, kv, 1);
        for (int i = 0; i < 4; i++) {
            scheduler.add(request("r" + i, null, 3));
        }
        assertEquals(4, scheduler.schedule().size(), "all four prompts in the first step");
    }
}
