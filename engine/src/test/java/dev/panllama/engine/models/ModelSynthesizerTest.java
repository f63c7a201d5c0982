package dev.panllama.engine.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.UnsupportedModelException;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.models.SynthesisProgress.Phase;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.SamplerChain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelSynthesizerTest {
    private static final long SEED = 42;

    @TempDir
    static Path dir;
    /** tiny in each type, made once: each takes a fraction of a second. */
    static final Map<QuantType, Path> tiny = new EnumMap<>(QuantType.class);

    @BeforeAll
    static void synthesizeTiny() {
        for (QuantType type : QuantType.values()) {
            long start = System.nanoTime();
            Path file = ModelSynthesizer.synthesize(ModelPreset.TINY, dir.resolve("tiny-" + type + ".gguf"), type, SEED);
            System.out.printf("synthesized tiny %-6s in %4d ms: %,d bytes%n", type, (System.nanoTime() - start) / 1_000_000,
                    size(file));
            tiny.put(type, file);
        }
    }

    @Test
    void tinyF16IsSmallAndHasThePresetsShape() {
        Path f16 = tiny.get(QuantType.F16);
        assertTrue(size(f16) < 10_000_000, "tiny F16 is " + size(f16) + " bytes");
        GgufFile file = GgufFile.read(f16);
        assertEquals(ModelPreset.TINY.parameterCount(), file.parameterCount());
        assertEquals("f16", tensor(file, "blk.0.attn_q.weight").typeName());
        assertEquals("f32", tensor(file, "blk.0.attn_norm.weight").typeName());
        assertTrue(file.tensors().stream().noneMatch(t -> t.name().equals("output.weight")), "output is tied to token_embd");
        assertTrue(file.tensors().stream().noneMatch(t -> t.name().endsWith(".bias") || t.name().endsWith("scale")),
                "no optional tensors a Llama does not have");
        assertEquals("synthetic tiny", file.string("general.name"));

        try (Model model = Model.load(f16)) {
            assertEquals(32_000, model.vocab().tokenCount());
            assertEquals(ModelPreset.TINY.blockCount(), model.layerCount());
            assertEquals(ModelPreset.TINY.embeddingLength(), model.embeddingSize());
            assertEquals(ModelPreset.TINY.headCount(), model.headCount());
            assertEquals(ModelPreset.TINY.contextLength(), model.trainingContextLength());
            assertEquals(ModelPreset.TINY.parameterCount(), model.parameterCount());
            // the real Llama 2 SentencePiece tokenizer: BOS, "▁Hello", "▁world"
            assertArrayEquals(new int[] {1, 15043, 3186}, model.vocab().tokenize("Hello world", true, false));
        }
    }

    @ParameterizedTest
    @EnumSource(QuantType.class)
    void tinyDecodesAPromptAndEightGreedyTokens(QuantType type) {
        try (Model model = Model.load(tiny.get(type));
             Context ctx = Context.create(model, ContextParams.defaults().withContextLength(64));
             Batch batch = new Batch(16, 1);
             SamplerChain greedy = SamplerChain.greedy()) {
            int vocab = model.vocab().tokenCount();
            int[] prompt = model.vocab().tokenize("Hello world", true, false);
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], i, 0, i == prompt.length - 1);
            }
            assertTrue(ctx.decode(batch));
            int last = prompt.length - 1;
            for (int step = 0, pos = prompt.length; step < 8; step++, pos++) {
                float[] logits = ctx.logits(last);
                assertEquals(vocab, logits.length);
                for (float logit : logits) {
                    assertTrue(Float.isFinite(logit), type + " step " + step + " produced a non-finite logit");
                }
                int token = greedy.sample(ctx, last);
                assertTrue(token >= 0 && token < vocab, "token " + token);
                batch.clear();
                last = batch.add(token, pos, 0, true);
                assertTrue(ctx.decode(batch), type + " step " + step);
            }
        }
    }

    @Test
    void quantizedFilesAreSmallerAndQuantizeTheBigMatrices() {
        long f16 = size(tiny.get(QuantType.F16));
        assertTrue(size(tiny.get(QuantType.F32)) > f16);
        for (QuantType type : List.of(QuantType.Q8_0, QuantType.Q4_0)) {
            Path path = tiny.get(type);
            assertTrue(size(path) < f16, type + " is " + size(path) + " bytes, F16 " + f16);
            GgufFile file = GgufFile.read(path);
            String expected = type.name().toLowerCase(java.util.Locale.ROOT);
            for (String matrix : List.of("blk.0.attn_q.weight", "blk.1.ffn_up.weight", "blk.1.ffn_down.weight")) {
                assertEquals(expected, tensor(file, matrix).typeName(), type + " " + matrix);
            }
            assertEquals(type.name(), ModelInfo.of(file).fileType());
            assertEquals(ModelPreset.TINY.parameterCount(), file.parameterCount());
        }
        assertEquals("Q4_K - Medium", ModelInfo.read(tiny.get(QuantType.Q4_K_M)).fileType());
        assertEquals("all F32", ModelInfo.read(tiny.get(QuantType.F32)).fileType());
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers() throws IOException {
        Path again = ModelSynthesizer.synthesize(ModelPreset.TINY, dir.resolve("again.gguf"), QuantType.F16, SEED);
        Path other = ModelSynthesizer.synthesize(ModelPreset.TINY, dir.resolve("other.gguf"), QuantType.F16, SEED + 1);
        byte[] first = Files.readAllBytes(tiny.get(QuantType.F16));
        assertArrayEquals(first, Files.readAllBytes(again));
        byte[] different = Files.readAllBytes(other);
        assertEquals(first.length, different.length, "only the weights (and the seed in the description) differ");
        assertFalse(java.util.Arrays.equals(first, different));
    }

    @Test
    void progressRunsThroughThePhasesInOrderAndEndsAtOne() {
        List<Phase> phases = new ArrayList<>();
        List<Double> fractions = new ArrayList<>();
        ModelSynthesizer.synthesize(ModelPreset.TINY, dir.resolve("progress.gguf"), QuantType.Q8_0, SEED, (phase, f) -> {
            phases.add(phase);
            fractions.add(f);
        });
        assertEquals(List.of(Phase.TOKENIZER, Phase.WEIGHTS, Phase.WRITING, Phase.QUANTIZING, Phase.DONE),
                phases.stream().distinct().toList());
        for (int i = 1; i < phases.size(); i++) {
            assertTrue(phases.get(i).ordinal() >= phases.get(i - 1).ordinal(), "phases in order: " + phases);
            assertTrue(fractions.get(i) >= fractions.get(i - 1), "fractions never decrease: " + fractions);
        }
        assertEquals(1.0, fractions.getLast());
        assertTrue(phases.size() < 200, "updates are throttled, got " + phases.size());
    }

    @Test
    void aFailingListenerAbortsAndLeavesNothingBehind() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("aborted"));
        IllegalStateException stop = new IllegalStateException("stop");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> ModelSynthesizer.synthesize(
                ModelPreset.TINY, sub.resolve("never.gguf"), QuantType.Q4_0, SEED, (phase, f) -> {
                    if (phase == Phase.WEIGHTS && f > 0.1) {
                        throw stop;
                    }
                }));
        assertSame(stop, thrown, "the listener's own exception, thrown from inside the native callback");
        try (Stream<Path> left = Files.list(sub)) {
            assertEquals(List.of(), left.toList(), "no output and no temporary files");
        }
    }

    @Test
    void anOutputThatIsADirectoryIsRefusedBeforeAnyWork() {
        InvalidOutputPathException e = assertThrows(InvalidOutputPathException.class,
                () -> ModelSynthesizer.synthesize(ModelPreset.TINY, dir, QuantType.F16, SEED));
        assertEquals(dir.toAbsolutePath().normalize(), e.path());
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void aTokenizerThatDoesNotFitThePresetIsRefusedAndCleanedUp() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("mismatch"));
        ModelPreset wrong = ModelPreset.builder("wrong-vocab", Architecture.LLAMA).vocab("llama-spm", 1000)
                .embeddingLength(64).blockCount(1).heads(4, 4).feedForwardLength(64).contextLength(64).build();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> ModelSynthesizer.synthesize(wrong, sub.resolve("wrong.gguf"), QuantType.F16, SEED));
        assertTrue(e.getMessage().contains("32000 tokens") && e.getMessage().contains("expects 1000"), e.getMessage());
        try (Stream<Path> left = Files.list(sub)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void bertMiniBuildsAnEncoderWithItsPublishedParameterCount() {
        Path bert = ModelSynthesizer.synthesize(ModelPreset.BERT_MINI, dir.resolve("bert-mini.gguf"), QuantType.F16, SEED);
        GgufFile file = GgufFile.read(bert);
        assertEquals(ModelPreset.BERT_MINI.parameterCount(), file.parameterCount());
        assertEquals(1L, file.integer("bert.pooling_type", -1));
        assertEquals(Boolean.FALSE, file.metadata().get("bert.attention.causal"));
        try (Model model = Model.load(bert)) {
            assertEquals(30_522, model.vocab().tokenCount());
            assertEquals(4, model.layerCount());
            assertEquals(256, model.embeddingSize());
        }
    }

    private static GgufFile.TensorInfo tensor(GgufFile file, String name) {
        return file.tensors().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no tensor " + name));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
