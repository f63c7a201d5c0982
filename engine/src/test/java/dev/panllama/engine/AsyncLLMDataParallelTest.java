package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.endless;
import static dev.panllama.engine.EngineTesting.greedy;
import static dev.panllama.engine.EngineTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.dp.DataParallelClient;
import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import dev.panllama.engine.testing.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data parallelism: engine cores behind a least-outstanding-tokens balancer, pinning by data_parallel_rank, and
 * elastic scaling 2 → 3 → 1 under continuous load with no failed request and greedy outputs unchanged.
 */
@Timeout(value = 85, unit = TimeUnit.SECONDS)
class AsyncLLMDataParallelTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The dog", "Lily and Tom went to the park",
            "Hi", "Ben had a red ball");
    private static final int TOKENS = 12;

    private static List<List<Integer>> expected;
    private static AsyncLLM llm;

    @BeforeAll
    static void start() {
        try (AsyncLLM single = AsyncLLM.fromEngineArgs(args(1))) {
            expected = new ArrayList<>();
            for (int i = 0; i < PROMPTS.size(); i++) {
                expected.add(run(single, Prompt.text(PROMPTS.get(i)), greedy(TOKENS).build(), "ref" + i));
            }
        }
        llm = AsyncLLM.fromEngineArgs(args(2));
    }

    @AfterAll
    static void stop() {
        if (llm != null) {
            llm.shutdown();
        }
    }

    private static EngineArgs args(int dataParallelSize) {
        return EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(256).maxNumSeqs(8).maxNumBatchedTokens(64)
                .threads(1).parallel(new ParallelConfig(List.of(), null, 0, SplitMode.LAYER, dataParallelSize)).build();
    }

    private static DataParallelClient balancer() {
        return (DataParallelClient) llm.engineCoreClient();
    }

    @Test
    void requestsGoToTheLeastLoadedCoreOrToThePinnedRank() throws Exception {
        assertEquals(2, llm.dataParallelSize());
        InvalidRequestException outOfRange = assertThrows(InvalidRequestException.class, () -> llm.generate(
                Prompt.text("Hi"), greedy(4).build(), "bad-rank", GenerateOptions.defaults().withDataParallelRank(2)));
        assertTrue(outOfRange.getMessage().contains("[0, 2)"), outOfRange.getMessage());

        SamplingParams longRun = endless(RequestOutputKind.DELTA).build();
        try (RequestStream pinned = llm.generate(Prompt.text("Once"), longRun, "pinned",
                GenerateOptions.defaults().withDataParallelRank(1))) {
            List<Long> load = balancer().outstandingTokens();
            assertTrue(load.get(1) > 0 && load.get(0) == 0, "pinned to rank 1: " + load);
            DrainTimeoutException drain = assertThrows(DrainTimeoutException.class,
                    () -> llm.scaleElasticEp(1, Duration.ZERO));
            assertEquals(1, drain.remainingRequests(), drain.getMessage());
            assertEquals(2, llm.dataParallelSize(), "a scale-down whose drain timed out removes no core");
            try (RequestStream balanced = llm.generate(Prompt.text("The cat"), longRun, "balanced")) {
                load = balancer().outstandingTokens();
                assertTrue(load.get(0) > 0 && load.get(1) > 0, "the second request goes to the idle core: " + load);
                assertTrue(balanced.hasNext() && pinned.hasNext());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!balancer().outstandingTokens().stream().allMatch(t -> t == 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(0L, 0L), balancer().outstandingTokens(), "aborted requests give their charge back");
    }

    @Test
    void scalingTwoToThreeToOneUnderLoadFailsNoRequestAndKeepsOutputsCorrect() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger completed = new AtomicInteger();
        Map<String, String> failures = new ConcurrentHashMap<>();
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < 4; c++) {
                int client = c;
                clients.add(threads.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        int p = (client + i) % PROMPTS.size();
                        String id = "c" + client + "-" + i;
                        try {
                            List<Integer> tokens = run(llm, Prompt.text(PROMPTS.get(p)), greedy(TOKENS).build(), id);
                            if (!tokens.equals(expected.get(p))) {
                                failures.put(id, "wrong output " + tokens + " != " + expected.get(p));
                            }
                            completed.incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.put(id, e.toString());
                        }
                    }
                }));
            }
            awaitCompleted(completed, 10);
            llm.scaleElasticEp(3, Duration.ofSeconds(30));
            assertEquals(3, llm.dataParallelSize());
            awaitLoadOn(2);
            int atThree = completed.get();
            awaitCompleted(completed, atThree + 15);
            llm.scaleElasticEp(1, Duration.ofSeconds(30));
            assertEquals(1, llm.dataParallelSize());
            int atOne = completed.get();
            awaitCompleted(completed, atOne + 10);
            running.set(false);
            for (Future<?> client : clients) {
                client.get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(Map.of(), failures);
        assertTrue(completed.get() >= 35, "completed " + completed.get());
        assertTrue(llm.isRunning());
        llm.scaleElasticEp(2, Duration.ofSeconds(30));
        assertEquals(2, llm.dataParallelSize());
    }

    /** The balancer sends work to a core that just joined. */
    private static void awaitLoadOn(int rank) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (balancer().outstandingTokens().get(rank) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(balancer().outstandingTokens().get(rank) > 0, "rank " + rank + " never got a request");
    }

    private static void awaitCompleted(AtomicInteger completed, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (completed.get() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(completed.get() >= atLeast, "only " + completed.get() + " requests completed, expected " + atLeast);
    }
}
