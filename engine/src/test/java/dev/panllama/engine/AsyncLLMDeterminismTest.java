package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.collect;
import static dev.panllama.engine.EngineTesting.greedy;
import static dev.panllama.engine.EngineTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.EngineTesting.Collected;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a request produces does not depend on what else the engine is doing: greedy outputs of requests run
 * together equal the same requests run alone, a seed fixes the sampled text, and the children of an n &gt; 1
 * request sample as single requests seeded {@code seed + i} would, on a prompt computed once.
 */
class AsyncLLMDeterminismTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The dog",
            "Lily and Tom went to the park to play with a ball", "Hi",
            "One day, a little girl named Sue found a shiny red box under her bed.", "Ben");

    private static final Map<String, AsyncLLM> ENGINES = new ConcurrentHashMap<>();
    private static final Map<String, StepRecorder> STEPS = new ConcurrentHashMap<>();

    static Stream<String> models() {
        return Stream.of("stories260K", "tiny");
    }

    private static AsyncLLM engine(String model) {
        return ENGINES.computeIfAbsent(model, m -> {
            Path path = m.equals("tiny") ? TestModels.tinySynthetic() : TestModels.stories260K();
            AsyncLLM llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(path).maxModelLen(256).maxNumSeqs(8)
                    .maxNumBatchedTokens(64).build());
            STEPS.put(m, StepRecorder.attachTo(llm));
            return llm;
        });
    }

    @AfterAll
    static void stop() {
        ENGINES.values().forEach(AsyncLLM::shutdown);
    }

    @ParameterizedTest
    @MethodSource("models")
    void greedyOutputsOfConcurrentRequestsEqualTheSameRequestsRunAlone(String model) throws Exception {
        AsyncLLM llm = engine(model);
        SamplingParams params = greedy(24).build();
        List<List<Integer>> alone = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            alone.add(run(llm, Prompt.text(PROMPTS.get(i)), params, "alone-" + i));
        }
        // all submitted before any is read: they share steps, prefill chunks and the KV cache
        List<RequestStream> streams = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            streams.add(llm.generate(Prompt.text(PROMPTS.get(i)), params, "together-" + i));
        }
        for (int i = 0; i < PROMPTS.size(); i++) {
            List<Integer> together = collect(streams.get(i), params.outputKind()).tokens(0);
            assertEquals(24, together.size());
            assertEquals(alone.get(i), together, "greedy tokens of \"" + PROMPTS.get(i) + "\" alone vs batched");
        }
        assertIdle(llm);
    }

    @ParameterizedTest
    @MethodSource("models")
    void sameSeedGivesTheSameTextAndDifferentSeedsDifferentText(String model) throws Exception {
        AsyncLLM llm = engine(model);
        Prompt prompt = Prompt.text("Once upon a time");
        String first = text(llm, prompt, 7, "seed-7-a");
        assertEquals(first, text(llm, prompt, 7, "seed-7-b"), "same seed, run again");

        // the same seed while other seeds sample in the same steps
        List<RequestStream> together = new ArrayList<>();
        for (long seed : new long[] {7, 8, 9}) {
            together.add(llm.generate(prompt, sampled(seed), "together-seed-" + seed));
        }
        List<String> texts = new ArrayList<>();
        for (RequestStream stream : together) {
            texts.add(collect(stream, RequestOutputKind.CUMULATIVE).text().get(0));
        }
        assertEquals(first, texts.get(0), "same seed, batched with others");
        assertNotEquals(first, texts.get(1), "seed 8 vs seed 7");
        assertNotEquals(first, texts.get(2), "seed 9 vs seed 7");
        assertNotEquals(texts.get(1), texts.get(2), "seed 9 vs seed 8");
        assertIdle(llm);
    }

    @ParameterizedTest
    @EnumSource(RequestOutputKind.class)
    void childrenOfAnNRequestCarryTheirIndexSampleWithSeedPlusIndexAndShareThePromptKv(RequestOutputKind kind)
            throws Exception {
        AsyncLLM llm = engine("stories260K");
        StepRecorder steps = STEPS.get("stories260K");
        String text = "Once upon a time there was a little girl named Lily who loved to play outside";
        int promptLength = llm.getTokenizer().encode(text, true).size();
        SamplingParams parent = SamplingParams.builder().n(3).seed(100L).temperature(0.8).maxTokens(12).ignoreEos(true)
                .outputKind(kind).build();

        assertIdle(llm);
        steps.clear();
        Collected children;
        // a salt of its own keeps earlier runs' cached prefix out, so the sharing counted below is the siblings'
        GenerateOptions salted = GenerateOptions.defaults().withCacheSalt("n-children-" + kind);
        try (RequestStream stream = llm.generate(Prompt.text(text), parent, "parent", salted)) {
            children = collect(stream, parent.outputKind());
        }
        assertEquals(1, children.finished());
        assertTrue(children.last().finished());
        assertEquals("parent", children.last().requestId());
        assertEquals(Set.of(0, 1, 2), children.tokens().keySet(), "completion indexes");
        if (kind == RequestOutputKind.FINAL_ONLY) {
            assertEquals(1, children.outputs(), "FINAL_ONLY: one output");
            assertEquals(List.of(0, 1, 2), children.last().outputs().stream().map(CompletionOutput::index).toList(),
                    "all n completions together, in index order");
        }

        for (int i = 0; i < 3; i++) {
            SamplingParams alone = parent.toBuilder().n(1).seed(100L + i).outputKind(RequestOutputKind.CUMULATIVE).build();
            List<Integer> single = run(llm, Prompt.text(text), alone, "single-" + i);
            assertEquals(single, children.tokens(i), "child " + i + " samples as a request seeded 100 + " + i);
            assertEquals(FinishReason.LENGTH, children.finishReason(i));
        }
        assertTrue(new HashSet<>(children.tokens().values()).size() > 1, "children sample differently");

        assertIdle(llm);
        steps.awaitStep(llm.engineSnapshot().get().steps());
        // internal ids are "{i}_{parent internal id}", one parent id for the three
        Pattern childId = Pattern.compile("([0-9]+)_(parent-[a-z0-9]{8})");
        Set<String> indexes = new HashSet<>();
        Set<String> parents = new HashSet<>();
        for (String id : steps.internalIdsOf("parent")) {
            Matcher m = childId.matcher(id);
            assertTrue(m.matches(), "child id " + id);
            indexes.add(m.group(1));
            parents.add(m.group(2));
        }
        assertEquals(Set.of("0", "1", "2"), indexes);
        assertEquals(1, parents.size());
        // one child computes the prompt; the others take its cells and compute only their last prompt token
        int prefilled = steps.stepsOf("parent").stream().filter(s -> StepRecorder.prefills(s, "parent"))
                .mapToInt(StepStats::prefillTokens).sum();
        assertEquals(promptLength + 2, prefilled, "prompt tokens computed for n=3 with a prompt of " + promptLength);
    }

    private static SamplingParams sampled(long seed) {
        return SamplingParams.builder().temperature(0.8).seed(seed).maxTokens(32).ignoreEos(true).build();
    }

    private static String text(AsyncLLM llm, Prompt prompt, long seed, String id) {
        try (RequestStream stream = llm.generate(prompt, sampled(seed), id)) {
            return collect(stream, RequestOutputKind.CUMULATIVE).text().get(0);
        }
    }
}
