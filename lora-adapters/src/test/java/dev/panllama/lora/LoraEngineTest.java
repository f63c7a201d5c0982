package dev.panllama.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LoRA through the engine on stories260K: control calls, per-request adapters in mixed batches, removal while in use. */
class LoraEngineTest {
    static final String[] PROMPTS = {"Once upon a time", "The little dog ran", "Hello world", "She said that"};
    static Path dir;
    static final List<Path> adapters = new ArrayList<>();

    @BeforeAll
    static void synthesizeAdapters() throws Exception {
        dir = Files.createTempDirectory("panllama-lora-engine");
        for (int seed = 1; seed <= 3; seed++) {
            adapters.add(LoraSynthesizer.synthesize(TestModels.stories260K(), dir.resolve("adapter-" + seed + ".gguf"),
                    new LoraSynthesizer.Options(8, 8f, null, null, seed, 0.5)).path());
        }
    }

    static AsyncLLM engine(int maxLoras, int maxCpuLoras) {
        return AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(256)
                .maxNumSeqs(16).maxNumBatchedTokens(128).threads(2).enableLora(true).maxLoras(maxLoras)
                .maxCpuLoras(maxCpuLoras).loraAllowedDirs(List.of(dir)).build());
    }

    static LoraRequest lora(int id, Path path) {
        return new LoraRequest("adapter-" + id, id, path);
    }

    static SamplingParams greedy(int maxTokens) {
        return SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true).build();
    }

    static RequestStream submit(AsyncLLM llm, String id, String prompt, LoraRequest lora, int maxTokens) {
        return llm.generate(Prompt.text(prompt), greedy(maxTokens), id, GenerateOptions.defaults().withLoraRequest(lora));
    }

    static List<Integer> tokens(RequestOutput out) {
        return out.outputs().getFirst().tokenIds();
    }

    /** vLLM's tests/lora/test_lora_functions.py sequence, through the engine's utility calls, on real adapters. */
    @Test
    void vllmAddPinEvictRemoveSequence() throws Exception {
        try (AsyncLLM llm = engine(4, 4)) {
            for (Object[] step : LoraRegistryTest.VLLM_SEQUENCE) {
                int id = (int) step[1];
                boolean result = switch ((String) step[0]) {
                    case "add" -> llm.addLora(lora(id, adapters.get(id % 3))).get(30, TimeUnit.SECONDS);
                    case "pin" -> llm.pinLora(id).get(30, TimeUnit.SECONDS);
                    default -> llm.removeLora(id).get(30, TimeUnit.SECONDS);
                };
                assertTrue(result);
                assertEquals(step[2], llm.listLoras().get(30, TimeUnit.SECONDS), "after " + step[0] + " " + id);
            }
            assertEquals(false, llm.removeLora(99).get(30, TimeUnit.SECONDS));
        }
    }

    /**
     * Base plus three adapters, 16 requests at once: each greedy output equals the same request run alone. With
     * max_loras 1 the adapters take turns (requests beyond wait); with 3 they all run together.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void mixedBatchEqualsEachRequestAlone(int maxLoras) throws Exception {
        try (AsyncLLM llm = engine(maxLoras, 3)) {
            List<RequestStream> streams = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                streams.add(submit(llm, "mixed-" + i, PROMPTS[i / 4], loraOf(i), 12));
            }
            List<List<Integer>> together = new ArrayList<>();
            for (RequestStream s : streams) {
                RequestOutput out = s.finalOutput();
                assertEquals(FinishReason.LENGTH, out.outputs().getFirst().finishReason());
                together.add(tokens(out));
            }
            for (int i = 0; i < 16; i++) {
                List<Integer> alone = tokens(submit(llm, "alone-" + i, PROMPTS[i / 4], loraOf(i), 12).finalOutput());
                assertEquals(alone, together.get(i), "request " + i + " (adapter " + (i % 4) + ")");
            }
            for (int i = 0; i < 16; i += 4) {
                for (int a = 1; a < 4; a++) {
                    assertNotEquals(together.get(i), together.get(i + a), "adapter " + a + " must change prompt " + i / 4);
                }
            }
            assertEquals(Set.of(1, 2, 3), llm.listLoras().get(30, TimeUnit.SECONDS), "requests register their adapters");
        }
    }

    /** Request i uses no adapter when i % 4 == 0, else adapter i % 4. */
    static LoraRequest loraOf(int i) {
        return i % 4 == 0 ? null : lora(i % 4, adapters.get(i % 4 - 1));
    }

    /**
     * Removing an adapter that a request is using unregisters it at once; the request finishes with it (same
     * output as with the adapter throughout), and a later request naming it loads it again.
     */
    @Test
    void removingAnAdapterInUseLetsItsRequestsFinishWithIt() throws Exception {
        try (AsyncLLM llm = engine(1, 1)) {
            LoraRequest adapter = lora(1, adapters.getFirst());
            List<Integer> reference = tokens(submit(llm, "reference", PROMPTS[0], adapter, 100).finalOutput());
            llm.removeLora(1).get(30, TimeUnit.SECONDS);
            try (RequestStream stream = llm.generate(Prompt.text(PROMPTS[0]), SamplingParams.builder().temperature(0)
                    .maxTokens(100).ignoreEos(true).outputKind(dev.panllama.engine.RequestOutputKind.DELTA).build(),
                    "in-use", GenerateOptions.defaults().withLoraRequest(adapter))) {
                List<Integer> got = new ArrayList<>(tokens(stream.next()));
                assertTrue(llm.removeLora(1).get(30, TimeUnit.SECONDS), "registered by the running request");
                assertEquals(1, llm.liveRequestCount(), "the request was still running when its adapter went");
                assertEquals(Set.of(), llm.listLoras().get(30, TimeUnit.SECONDS));
                while (stream.hasNext()) {
                    RequestOutput out = stream.next();
                    got.addAll(tokens(out));
                    if (out.finished()) {
                        assertEquals(FinishReason.LENGTH, out.outputs().getFirst().finishReason());
                    }
                }
                assertEquals(reference, got);
            }
            assertEquals(reference, tokens(submit(llm, "again", PROMPTS[0], adapter, 100).finalOutput()));
            assertEquals(Set.of(1), llm.listLoras().get(30, TimeUnit.SECONDS));
            assertTrue(llm.isRunning());
        }
    }
}
