package dev.panllama.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.SleepModeException;
import dev.panllama.engine.SleepTag;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SleepModeTest {
    /** Large enough that freeing it shows clearly in the process RSS (f32 cells of stories260K: ~84 MB). */
    static final int KV_CELLS = 65536;
    static final String PROMPT = "Once upon a time";
    static AsyncLLM llm;
    static List<Integer> reference;

    @BeforeAll
    static void start() throws Exception {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4)
                .maxNumBatchedTokens(64).kvCacheTokens(KV_CELLS).kvCacheDtype("f32").threads(1)
                .enableSleepMode(true).build());
        reference = TrackedRequest.start(llm, "reference", PROMPT, 80).resultTokens();
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @AfterEach
    void awake() throws Exception {
        llm.wakeUp().get(30, TimeUnit.SECONDS);
        assertFalse(llm.isSleeping().get());
    }

    @Test
    void level1FreesAtLeastTheKvCacheAndWakesToIdenticalGreedyOutput() throws Exception {
        long kvBytes = kvCacheBytes();
        // the JVM's own allocations move RSS by some kilobytes between two readings: best of three cycles
        long freed = 0;
        long asleep = 0;
        for (int attempt = 0; attempt < 3 && freed < kvBytes; attempt++) { // stop at the first clear reading
            if (attempt > 0) {
                llm.wakeUp().get(30, TimeUnit.SECONDS);
            }
            // a serving engine: a decode has touched the compute buffers too, not only the (cleared) KV cells
            TrackedRequest.start(llm, "warm-" + attempt, PROMPT, 4).result();
            long before = rssBytes();
            llm.sleep(1).get(30, TimeUnit.SECONDS);
            asleep = rssBytes();
            freed = Math.max(freed, before - asleep);
            LoggerFactory.getLogger(SleepModeTest.class).info("sleep(1): RSS {} -> {} bytes (freed {}), KV cache {} bytes",
                    before, asleep, before - asleep, kvBytes);
        }
        assertTrue(llm.isSleeping().get());
        // RSS is read twice around the sleep; the JVM itself may touch a few pages between the readings
        long jvmNoise = 1 << 20;
        assertTrue(freed >= kvBytes - jvmNoise, "RSS fell by " + freed + " bytes, the KV cache is " + kvBytes);
        assertTrue(llm.scrapePrometheus().contains("panllama_engine_sleep_state{engine=\"0\",model_name=\"stories260K.gguf\",sleep_state=\"weights_offloaded\"} 1"),
                llm.scrapePrometheus());

        llm.wakeUp().get(30, TimeUnit.SECONDS);
        assertFalse(llm.isSleeping().get());
        assertTrue(rssBytes() - asleep >= kvBytes / 2, "the KV cache is allocated again on wake-up");
        assertEquals(reference, TrackedRequest.start(llm, "after-level-1", PROMPT, 80).resultTokens());
        assertTrue(llm.scrapePrometheus().contains("sleep_state=\"awake\"} 1"));
    }

    @Test
    void level2ReloadsTheWeightsAndKvCacheWakesOnlyAfterThem() throws Exception {
        llm.sleep(2).get(30, TimeUnit.SECONDS);
        assertTrue(llm.scrapePrometheus().contains("sleep_state=\"discard_all\"} 1"));
        ExecutionException early = assertThrows(ExecutionException.class, () -> llm.wakeUp(SleepTag.KV_CACHE).get());
        assertInstanceOf(SleepModeException.class, early.getCause());

        llm.wakeUp(SleepTag.WEIGHTS).get(30, TimeUnit.SECONDS);
        assertTrue(llm.isSleeping().get(), "still asleep until the KV cache is back");
        llm.wakeUp(SleepTag.KV_CACHE).get(30, TimeUnit.SECONDS);
        assertFalse(llm.isSleeping().get());
        assertEquals(reference, TrackedRequest.start(llm, "after-level-2", PROMPT, 80).resultTokens());
    }

    @Test
    void requestsInFlightPauseDuringSleepAndFinishAfterWake() throws Exception {
        TrackedRequest inFlight = TrackedRequest.start(llm, "in-flight", PROMPT, 80).awaitTokens(3);
        llm.sleep(1).get(30, TimeUnit.SECONDS);
        int atSleep = inFlight.tokensAfter(Duration.ofMillis(50)); // the reader may still be counting the last outputs
        TrackedRequest sentAsleep = TrackedRequest.start(llm, "sent-asleep", PROMPT, 80);
        assertEquals(atSleep, inFlight.tokensAfter(Duration.ofMillis(300)));
        assertEquals(0, sentAsleep.tokens.get());
        assertFalse(inFlight.done.isDone());

        llm.wakeUp().get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.LENGTH, inFlight.finishReason());
        assertEquals(reference, inFlight.resultTokens(), "preempted by sleep, recomputed after wake: same greedy tokens");
        assertEquals(reference, sentAsleep.resultTokens());
    }

    @Test
    void schedulingNeverResumesWhileTheKvCacheSleeps() throws Exception {
        llm.sleep(1).get(30, TimeUnit.SECONDS);
        TrackedRequest queued = TrackedRequest.start(llm, "queued", PROMPT, 10);
        llm.wakeUp(SleepTag.SCHEDULING).get();
        assertTrue(llm.isSleeping().get());
        llm.wakeUp(SleepTag.KV_CACHE).get();
        assertTrue(llm.isSleeping().get(), "weights are still tagged asleep");
        assertEquals(0, queued.tokensAfter(Duration.ofMillis(200)));
        llm.wakeUp(SleepTag.WEIGHTS).get();
        assertFalse(llm.isSleeping().get());
        assertEquals(10, queued.resultTokens().size());
    }

    @Test
    void level0OnlyPausesSchedulingAndWakesWithTheSchedulingTag() throws Exception {
        long before = rssBytes();
        llm.sleep(0).get(30, TimeUnit.SECONDS);
        assertTrue(llm.isSleeping().get());
        assertFalse(llm.isPaused().get(), "sleep is not a caller's pause");
        TrackedRequest queued = TrackedRequest.start(llm, "queued", PROMPT, 10);
        assertEquals(0, queued.tokensAfter(Duration.ofMillis(200)));
        assertTrue(Math.abs(rssBytes() - before) < kvCacheBytes() / 2, "level 0 frees nothing");
        llm.resumeGeneration().get();
        assertTrue(llm.isSleeping().get(), "resume does not wake a sleeping engine");
        llm.wakeUp(SleepTag.SCHEDULING).get();
        assertFalse(llm.isSleeping().get());
        assertEquals(10, queued.resultTokens().size());
    }

    @Test
    void sleepNeedsSleepModeAndAKnownLevel() throws Exception {
        ExecutionException badLevel = assertThrows(ExecutionException.class, () -> llm.sleep(3).get());
        assertInstanceOf(SleepModeException.class, badLevel.getCause());
        try (AsyncLLM plain = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K())
                .maxNumSeqs(1).threads(1).build())) {
            ExecutionException off = assertThrows(ExecutionException.class, () -> plain.sleep(1).get());
            assertInstanceOf(SleepModeException.class, off.getCause());
            assertFalse(plain.isSleeping().get());
            assertEquals(5, TrackedRequest.start(plain, "still-healthy", PROMPT, 5).resultTokens().size());
        }
    }

    /** K and V, f32, for every cell of every layer. */
    static long kvCacheBytes() {
        try (Model model = Model.load(TestModels.stories260K())) {
            int heads = model.headCount();
            int kvHeads = Integer.parseInt(model.metadata().getOrDefault("llama.attention.head_count_kv", String.valueOf(heads)));
            long kvWidth = (long) model.embeddingSize() / heads * kvHeads;
            return 2L * model.layerCount() * kvWidth * Float.BYTES * KV_CELLS;
        }
    }

    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
