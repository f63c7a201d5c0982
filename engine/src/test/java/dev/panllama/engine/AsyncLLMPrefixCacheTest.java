package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.core.PrefixCacheStats;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Automatic prefix caching through the public API: what num_cached_tokens reports, that outputs do not change,
 * salts, reset_prefix_cache, and that the cache stays inside the KV cache under churn.
 */
class AsyncLLMPrefixCacheTest {
    private static final int VOCAB = 512;
    private static AsyncLLM llm;
    private static final Random RANDOM = new Random(20261201);

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(8)
                .maxNumBatchedTokens(256).kvCacheTokens(4096).threads(1).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @BeforeEach
    void emptyCache() throws Exception {
        assertIdle(llm);
        assertTrue(llm.resetPrefixCache(false).get(10, TimeUnit.SECONDS), "an idle engine resets its cache");
    }

    /** Tokens that never repeat a special id, so prompts differ only where a test wants them to. */
    private static int[] randomTokens(int length) {
        return IntStream.range(0, length).map(i -> 3 + RANDOM.nextInt(VOCAB - 3)).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static RequestOutput finish(AsyncLLM engine, int[] prompt, SamplingParams params, String id,
                                        GenerateOptions options) {
        return engine.generate(Prompt.tokens(prompt), params, id, options).finalOutput();
    }

    private static RequestOutput finish(int[] prompt, String id, GenerateOptions options) {
        return finish(llm, prompt, greedy(4).build(), id, options);
    }

    @Test
    void aSeventeenTokenPromptSentTwiceFindsOneFullBlockTheSecondTime() {
        int[] prompt = randomTokens(17);
        RequestOutput first = finish(prompt, "first", GenerateOptions.defaults());
        RequestOutput second = finish(prompt, "second", GenerateOptions.defaults());
        assertEquals(0, first.numCachedTokens());
        assertEquals(16, second.numCachedTokens(), "the 17th token is computed again to get logits");
        assertEquals(first.outputs().getFirst().tokenIds(), second.outputs().getFirst().tokenIds());
    }

    @Test
    void aWholePromptOfFullBlocksStillComputesItsLastBlock() {
        int[] prompt = randomTokens(32);
        finish(prompt, "warm", GenerateOptions.defaults());
        assertEquals(16, finish(prompt, "again", GenerateOptions.defaults()).numCachedTokens());
    }

    @Test
    void aDifferentSaltSharesNothingAndTheSameSaltShares() {
        int[] prompt = randomTokens(40);
        GenerateOptions a = GenerateOptions.defaults().withCacheSalt("tenant-a");
        GenerateOptions b = GenerateOptions.defaults().withCacheSalt("tenant-b");
        assertEquals(0, finish(prompt, "a1", a).numCachedTokens());
        assertEquals(0, finish(prompt, "b1", b).numCachedTokens(), "another salt must not see tenant a's cache");
        assertEquals(0, finish(prompt, "unsalted", GenerateOptions.defaults()).numCachedTokens());
        assertEquals(32, finish(prompt, "a2", a).numCachedTokens());
        assertEquals(32, finish(prompt, "b2", b).numCachedTokens());
    }

    @Test
    void requestsAskingForPromptLogprobsComputeTheirWholePrompt() {
        int[] prompt = randomTokens(40);
        finish(prompt, "warm", GenerateOptions.defaults());
        RequestOutput withLogprobs = finish(llm, prompt, greedy(4).promptLogprobs(1).build(), "logprobs",
                GenerateOptions.defaults());
        assertEquals(0, withLogprobs.numCachedTokens());
        assertEquals(prompt.length, withLogprobs.promptLogprobs().size());
        assertEquals(32, finish(prompt, "after", GenerateOptions.defaults()).numCachedTokens());
    }

    @Test
    void aMultiTurnConversationReusesThePreviousTurnsIncludingGeneratedTokens() {
        int[] turn1 = randomTokens(30);
        RequestOutput first = finish(llm, turn1, greedy(20).build(), "turn1", GenerateOptions.defaults());
        int[] answer = first.outputs().getFirst().tokenIds().stream().mapToInt(Integer::intValue).toArray();
        int[] turn2 = concat(concat(turn1, answer), randomTokens(10));
        // 30 prompt + 19 generated tokens are in the KV cache (the last sampled token never was): 3 full blocks
        assertEquals(48, finish(turn2, "turn2", GenerateOptions.defaults()).numCachedTokens());
    }

    @Test
    void resetIsRefusedWhileRequestsHoldKvAndSucceedsWhenIdle() throws Exception {
        int[] prompt = randomTokens(17);
        finish(prompt, "warm", GenerateOptions.defaults());
        try (RequestStream running = llm.generate(Prompt.tokens(randomTokens(20)), greedy(2000).build(), "long")) {
            running.next(); // it holds KV from here on
            assertFalse(llm.resetPrefixCache(false).get(10, TimeUnit.SECONDS));
            assertEquals(16, finish(prompt, "still-cached", GenerateOptions.defaults()).numCachedTokens(),
                    "a refused reset changes nothing");
        }
        assertIdle(llm);
        assertTrue(llm.resetPrefixCache(false).get(10, TimeUnit.SECONDS));
        EngineSnapshot after = llm.engineSnapshot().get(10, TimeUnit.SECONDS);
        assertEquals(0, after.prefixCache().cachedBlocks());
        assertEquals(0, after.prefixCache().recentHitRate(), "the hit-rate window restarts");
        assertEquals(0, finish(prompt, "cold-again", GenerateOptions.defaults()).numCachedTokens());
    }

    @Test
    void resettingRunningRequestsPreemptsThemAndTheirOutputsDoNotChange() throws Exception {
        List<int[]> prompts = List.of(randomTokens(50), randomTokens(70), randomTokens(33));
        List<List<Integer>> uninterrupted = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            uninterrupted.add(finish(llm, prompts.get(i), greedy(60).build(), "alone-" + i, GenerateOptions.defaults())
                    .outputs().getFirst().tokenIds());
        }
        long preemptionsBefore = llm.engineSnapshot().get(10, TimeUnit.SECONDS).preemptions();
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            streams.add(llm.generate(Prompt.tokens(prompts.get(i)), greedy(60).build(), "reset-" + i));
        }
        streams.getFirst().next(); // decoding has started
        assertTrue(llm.resetPrefixCache(true).get(10, TimeUnit.SECONDS));
        for (int i = 0; i < prompts.size(); i++) {
            List<Integer> tokens = new ArrayList<>();
            streams.get(i).forEachRemaining(out -> {
                tokens.clear();
                tokens.addAll(out.outputs().getFirst().tokenIds());
            });
            assertEquals(uninterrupted.get(i), tokens, "request " + i + " after being preempted by the reset");
        }
        assertTrue(llm.engineSnapshot().get(10, TimeUnit.SECONDS).preemptions() > preemptionsBefore);
        assertIdle(llm);
    }

    /**
     * Cached or recomputed, a prefix's KV cells hold the same values, but they sit elsewhere in the cache and
     * attention sums over cells in cache order, so logits may differ in the last bits. Greedy outputs are the
     * same unless two candidates tie within that noise: where tokens part, both runs must have seen such a tie.
     */
    private static void assertSameGreedyUpToTies(CompletionOutput expected, CompletionOutput actual, String what) {
        List<Integer> a = expected.tokenIds();
        List<Integer> b = actual.tokenIds();
        int i = 0;
        while (i < a.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        if (i == a.size()) {
            return;
        }
        java.util.Map<Integer, Logprob> top = expected.logprobs().get(i);
        Logprob chosen = top.get(a.get(i));
        Logprob other = top.get(b.get(i));
        assertTrue(other != null && chosen.logprob() - other.logprob() < 1e-2f, what + " parts at token " + i + " ("
                + a.get(i) + " vs " + b.get(i) + ") without a tie: " + top);
    }

    @Test
    void thirtyTwoRequestsSharingA400TokenPrefixGiveTheSameGreedyOutputsWithAndWithoutTheCache() throws Exception {
        Tokenizer tokenizer = llm.getTokenizer();
        String story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with"
                + " her dog Max. One day, they found a big red ball under a tree. Lily was very happy and they played all"
                + " day long until the sun went down. ";
        List<Integer> storyTokens = new ArrayList<>(tokenizer.encode(story.repeat(12), true));
        int[] prefix = storyTokens.subList(0, 400).stream().mapToInt(Integer::intValue).toArray();
        String[] names = {"Tom", "Sue", "Ben", "Mia", "Sam", "Amy", "Tim", "Lucy"};
        String[] things = {"a cat", "a toy car", "a blue kite", "some cake"};
        int[] filler = tokenizer.encode(" and they all went home together to sleep", false).stream()
                .mapToInt(Integer::intValue).toArray();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            String sentence = names[i % names.length] + " wanted " + things[i / names.length] + " so";
            int[] suffix = concat(tokenizer.encode(sentence, false).stream().mapToInt(Integer::intValue).toArray(), filler);
            prompts.add(concat(prefix, java.util.Arrays.copyOf(suffix, 16)));
        }
        PrefixCacheStats before = llm.engineSnapshot().get(10, TimeUnit.SECONDS).prefixCache();
        List<RequestOutput> cached = runConcurrently(llm, prompts);
        List<RequestOutput> uncached;
        try (AsyncLLM off = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(8)
                .maxNumBatchedTokens(256).kvCacheTokens(4096).threads(1).enablePrefixCaching(false).build())) {
            uncached = runConcurrently(off, prompts);
            assertEquals(0, off.engineSnapshot().get(10, TimeUnit.SECONDS).prefixCache().queries());
        }
        int hits = 0;
        int identical = 0;
        for (int i = 0; i < prompts.size(); i++) {
            CompletionOutput on = cached.get(i).outputs().getFirst();
            CompletionOutput off = uncached.get(i).outputs().getFirst();
            assertSameGreedyUpToTies(off, on, "request " + i);
            identical += on.tokenIds().equals(off.tokenIds()) ? 1 : 0;
            assertEquals(0, uncached.get(i).numCachedTokens());
            if (cached.get(i).numCachedTokens() == 400 - 400 % 16) {
                hits++;
            }
        }
        assertTrue(identical >= 30, "requests with identical greedy tokens: " + identical + " of 32");
        // the first request computes the prefix; the others wait the steps it takes rather than compute it again
        assertTrue(hits >= 31, "requests that found the whole shared prefix cached: " + hits);
        PrefixCacheStats stats = llm.engineSnapshot().get(10, TimeUnit.SECONDS).prefixCache();
        assertEquals(32L * 416, stats.queries() - before.queries(), "counters are cumulative, as Prometheus counters");
        assertTrue(stats.hits() - before.hits() >= 31L * (400 - 400 % 16), "hits " + (stats.hits() - before.hits()));
        assertTrue(stats.recentHitRate() > 0.7, "hit rate " + stats.recentHitRate());
    }

    private static List<RequestOutput> runConcurrently(AsyncLLM engine, List<int[]> prompts) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RequestOutput>> futures = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                int[] prompt = prompts.get(i);
                String id = "shared-" + i;
                futures.add(pool.submit(() -> finish(engine, prompt, greedy(8).logprobs(2).build(), id,
                        GenerateOptions.defaults())));
            }
            List<RequestOutput> outputs = new ArrayList<>();
            for (Future<RequestOutput> f : futures) {
                outputs.add(f.get(120, TimeUnit.SECONDS));
            }
            return outputs;
        }
    }

    @Test
    void aCacheThatEarnsNoHitsKeepsAtMostAQuarterOfTheKvIdleAndStillServesNewSharing() throws Exception {
        try (AsyncLLM fresh = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(4)
                .maxNumBatchedTokens(256).maxModelLen(256).kvCacheTokens(1024).threads(1).build())) {
            int capacity = fresh.engineSnapshot().get(10, TimeUnit.SECONDS).kvCapacity();
            // 80 distinct prompts of 3 blocks: no hit anywhere, and far more blocks than a quarter of the KV holds
            for (int r = 0; r < 80; r++) {
                assertEquals(0, finish(fresh, randomTokens(48 + RANDOM.nextInt(8)), greedy(2).build(), "distinct-" + r,
                        GenerateOptions.defaults()).numCachedTokens());
            }
            PrefixCacheStats missing = fresh.engineSnapshot().get(10, TimeUnit.SECONDS).prefixCache();
            assertEquals(0, missing.hits());
            assertTrue(missing.reclaimableBlocks() * 16 <= capacity / 4,
                    "idle cached cells: " + missing.reclaimableBlocks() * 16 + " of " + capacity);
            assertTrue(missing.reclaimableBlocks() > 0, "the most recent blocks stay cached");
            // a workload that starts sharing still finds the most recent blocks, and then keeps them
            int[] shared = randomTokens(40);
            finish(fresh, shared, greedy(2).build(), "shared-1", GenerateOptions.defaults());
            assertEquals(32, finish(fresh, shared, greedy(2).build(), "shared-2", GenerateOptions.defaults()).numCachedTokens());
            for (int r = 0; r < 20; r++) {
                finish(fresh, randomTokens(48), greedy(2).build(), "after-" + r, GenerateOptions.defaults());
            }
            assertEquals(32, finish(fresh, shared, greedy(2).build(), "shared-3", GenerateOptions.defaults()).numCachedTokens(),
                    "with hits in the window, idle blocks are kept as LRU allows");
        }
    }

    @Test
    void aThousandRequestsWithRandomPrefixesKeepKvBoundedAndLeakNothing() throws Exception {
        int[][] prefixes = new int[40][];
        for (int p = 0; p < prefixes.length; p++) {
            prefixes[p] = randomTokens(32 + RANDOM.nextInt(96));
        }
        AtomicInteger maxKv = new AtomicInteger();
        long promptTokens = 0;
        try (AsyncLLM small = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(8)
                .maxNumBatchedTokens(256).maxModelLen(512).kvCacheTokens(1024).threads(1).build())) {
            small.addStepListener((StepStats s) -> maxKv.accumulateAndGet(s.kvUsedTokens(), Math::max));
            int capacity = small.engineSnapshot().get(10, TimeUnit.SECONDS).kvCapacity();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int wave = 0; wave < 20; wave++) {
                    List<Future<RequestOutput>> futures = new ArrayList<>();
                    for (int r = 0; r < 50; r++) {
                        int[] prompt = concat(prefixes[RANDOM.nextInt(prefixes.length)], randomTokens(1 + RANDOM.nextInt(20)));
                        String id = "churn-" + wave + "-" + r;
                        promptTokens += prompt.length;
                        futures.add(pool.submit(() -> finish(small, prompt, greedy(2).build(), id, GenerateOptions.defaults())));
                    }
                    for (Future<RequestOutput> f : futures) {
                        assertEquals(2, f.get(120, TimeUnit.SECONDS).outputs().getFirst().tokenIds().size());
                    }
                }
            }
            EngineSnapshot after = small.engineSnapshot().get(10, TimeUnit.SECONDS);
            assertEquals(0, after.running());
            assertEquals(0, after.waiting());
            assertEquals(0, after.busySlots());
            assertEquals(0, after.kvUsedTokens(), "cached blocks nobody holds count as free");
            assertEquals(0, after.activeSamplers());
            assertEquals(0, small.liveRequestCount());
            PrefixCacheStats stats = after.prefixCache();
            assertEquals(promptTokens, stats.queries(), "every prompt token of the 1,000 requests was looked up");
            assertTrue(stats.evictions() > 0, "40 prefixes of up to 127 tokens cannot all stay in 1,024 cells");
            assertTrue(stats.cachedBlocks() * 16 <= capacity, "cache within the KV cache: " + stats.cachedBlocks());
            assertEquals(stats.cachedBlocks(), stats.reclaimableBlocks(), "no block is held once every request ended");
            assertTrue(stats.hits() > 0);
            assertTrue(maxKv.get() <= capacity, "KV in use peaked at " + maxKv.get() + " of " + capacity);
            // the cache still serves after all that churn
            int[] prompt = randomTokens(33);
            finish(small, prompt, greedy(2).build(), "after-1", GenerateOptions.defaults());
            assertEquals(32, finish(small, prompt, greedy(2).build(), "after-2", GenerateOptions.defaults()).numCachedTokens());
            assertFalse(small.errored());
        }
    }
}
