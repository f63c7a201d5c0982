package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.assertRanToLength;
import static dev.panllama.engine.EngineTesting.collect;
import static dev.panllama.engine.EngineTesting.endless;
import static dev.panllama.engine.EngineTesting.greedy;
import static dev.panllama.engine.StepRecorder.decodes;
import static dev.panllama.engine.StepRecorder.prefills;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.EngineTesting.Collected;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching and scheduling policy, observed through the step stats the engine publishes: newcomers
 * join running decodes, a long prompt is prefilled in budget-sized chunks beside them, and the priority policy
 * serves lower values first.
 */
class AsyncLLMSchedulingTest {
    private static final int TOKEN_BUDGET = 32;

    static AsyncLLM llm;
    static StepRecorder steps;

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(1024)
                .maxNumSeqs(4).maxNumBatchedTokens(TOKEN_BUDGET).build());
        steps = StepRecorder.attachTo(llm);
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @Test
    void aLongPromptArrivingMidDecodeIsPrefilledInChunksBesideTheRunningDecodesAndFinishesFirst() throws Exception {
        RequestOutputKind kind = RequestOutputKind.DELTA;
        RequestStream a = llm.generate(Prompt.text("Once upon a time"), endless(kind).build(), "a");
        RequestStream b = llm.generate(Prompt.text("The dog"), endless(kind).build(), "b");
        steps.awaitDecodes("a", 3, 30_000);
        steps.awaitDecodes("b", 3, 30_000);

        int[] longPrompt = longPrompt(300);
        Collected c = assertRanToLength(llm.addRequest("c", longPrompt, greedy(4).build(), GenerateOptions.defaults()),
                RequestOutputKind.CUMULATIVE, 4);
        assertEquals(longPrompt.length, c.last().promptTokenIds().size());
        steps.awaitStep(llm.engineSnapshot().get().steps());
        // a and b were only there to be decoded beside c
        StepStats cLast = steps.stepsOf("c").getLast();
        llm.abort("a", "b");
        assertEquals(FinishReason.ABORT, collect(a, kind).finishReason(0));
        assertEquals(FinishReason.ABORT, collect(b, kind).finishReason(0));
        assertIdle(llm);
        steps.awaitStep(llm.engineSnapshot().get().steps());

        List<StepStats> chunks = steps.stepsOf("c").stream().filter(s -> prefills(s, "c")).toList();
        int perStep = TOKEN_BUDGET - 2; // a and b take one decode token each
        assertTrue(chunks.size() >= (longPrompt.length + perStep - 1) / perStep,
                "300 prompt tokens in steps of at most " + perStep + ": " + chunks.size() + " chunks");
        assertEquals(longPrompt.length, chunks.stream().mapToInt(StepStats::prefillTokens).sum());
        for (StepStats s : chunks) {
            assertTrue(decodes(s, "a") && decodes(s, "b"), "step " + s.step() + " decodes a and b beside c's chunk");
            assertTrue(s.prefillTokens() + s.decodeRequests().size() <= TOKEN_BUDGET, "step " + s.step() + " budget");
        }
        assertTrue(steps.firstStepOf("a") < steps.firstStepOf("c"), "c arrived while a was decoding");
        assertTrue(decodes(cLast, "a") && decodes(cLast, "b"), "c finished in a step that still decoded a and b");
    }

    @Test
    void priorityPolicyRunsALaterUrgentRequestBeforeEarlierLowPriorityOnes() throws Exception {
        EngineArgs args = EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(1024).maxNumSeqs(1)
                .schedulingPolicy(SchedulingPolicy.PRIORITY).build();
        try (AsyncLLM single = AsyncLLM.fromEngineArgs(args)) {
            StepRecorder order = StepRecorder.attachTo(single);
            RequestStream first = single.generate(Prompt.text("Once upon a time"), endless(RequestOutputKind.CUMULATIVE)
                    .build(), "first");
            order.awaitDecodes("first", 1, 30_000);
            // queued while "first" holds the only slot, in this order
            Map<String, Integer> priorities = new LinkedHashMap<>();
            priorities.put("low-a", 5);
            priorities.put("low-b", 5);
            priorities.put("mid", 1);
            priorities.put("urgent", -10);
            List<RequestStream> queued = new ArrayList<>();
            priorities.forEach((id, priority) -> queued.add(single.generate(Prompt.text("The dog"), greedy(8).build(), id,
                    GenerateOptions.defaults().withPriority(priority))));
            single.abort("first"); // all four are queued now; freeing the slot lets them run in priority order
            assertEquals(FinishReason.ABORT, collect(first, RequestOutputKind.CUMULATIVE).finishReason(0));
            for (RequestStream stream : queued) {
                assertRanToLength(stream, RequestOutputKind.CUMULATIVE, 8);
            }
            assertIdle(single);
            order.awaitStep(single.engineSnapshot().get().steps());

            List<Long> starts = new ArrayList<>();
            for (String id : List.of("first", "urgent", "mid", "low-a", "low-b")) {
                starts.add(order.firstStepOf(id));
            }
            assertEquals(starts.stream().sorted().toList(), starts,
                    "start steps of first, urgent, mid, low-a, low-b (lower priority value first, then arrival)");
            for (StepStats s : order.steps()) {
                assertTrue(s.prefillRequests().size() + s.decodeRequests().size() <= 1, "max-num-seqs 1 at step " + s.step());
            }
        }
    }

    @Test
    void aFullKvCachePreemptsAndRecomputesWithoutChangingOutputs() throws Exception {
        EngineArgs args = EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(128).kvCacheTokens(128)
                .maxNumSeqs(4).maxNumBatchedTokens(TOKEN_BUDGET).build();
        try (AsyncLLM small = AsyncLLM.fromEngineArgs(args)) {
            List<String> prompts = List.of("Once upon a time", "The dog", "Lily and Tom went to the park", "Hi");
            SamplingParams params = greedy(60).build();
            SamplingParams pair = SamplingParams.builder().n(2).seed(5L).temperature(0.8).maxTokens(60).ignoreEos(true)
                    .build();
            List<List<Integer>> alone = new ArrayList<>();
            for (String prompt : prompts) {
                alone.add(EngineTesting.run(small, Prompt.text(prompt), params, "alone"));
            }
            List<List<Integer>> pairAlone = List.of(
                    EngineTesting.run(small, Prompt.text("The cat"), pair.toBuilder().n(1).build(), "alone"),
                    EngineTesting.run(small, Prompt.text("The cat"), pair.toBuilder().n(1).seed(6L).build(), "alone"));
            assertEquals(0, small.engineSnapshot().get().preemptions(), "one request at a time fits");

            // four sequences of 60+ tokens each cannot all fit in 128 cells: some are preempted and recomputed
            List<RequestStream> together = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                together.add(small.generate(Prompt.text(prompts.get(i)), params, "together-" + i));
            }
            RequestStream pairStream = small.generate(Prompt.text("The cat"), pair, "pair");
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(alone.get(i), assertRanToLength(together.get(i), params.outputKind(), 60).tokens(0),
                        "\"" + prompts.get(i) + "\" after preemption");
            }
            Collected children = collect(pairStream, pair.outputKind());
            assertEquals(pairAlone.get(0), children.tokens(0), "child 0 after preemption");
            assertEquals(pairAlone.get(1), children.tokens(1), "child 1 after preemption");
            assertTrue(small.engineSnapshot().get().preemptions() > 0, "the KV cache was full");
            assertIdle(small);
        }
    }

    /** {@code length} token ids of story text, so the prompt is real language for the model. */
    private static int[] longPrompt(int length) {
        StringBuilder text = new StringBuilder();
        List<Integer> ids = List.of();
        while (ids.size() < length) {
            text.append(" Tim and his mom went to the big park. They saw a red ball and a happy dog that liked to run.");
            ids = llm.getTokenizer().encode(text.toString(), true);
        }
        return ids.subList(0, length).stream().mapToInt(Integer::intValue).toArray();
    }
}
