package dev.panllama.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.LoraNotEnabledException;
import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.models.Architecture;
import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.ModelSynthesizer;
import dev.panllama.engine.models.QuantType;
import dev.panllama.lora.InvalidLoraAdapterException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every bad adapter is a typed error found in Java before llama.cpp sees the file; the engine stays healthy. */
class LoraValidationTest {
    static Path allowed;
    static Path outside;
    static Path good;
    static AsyncLLM llm;

    @BeforeAll
    static void start() throws Exception {
        allowed = Files.createTempDirectory("panllama-lora-allowed");
        outside = Files.createTempDirectory("panllama-lora-outside");
        good = LoraSynthesizer.synthesize(TinyModels.tinyF32(), allowed.resolve("good.gguf"),
                LoraSynthesizer.Options.defaults()).path();
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TinyModels.tinyF32()).maxModelLen(128).maxNumSeqs(2)
                .threads(2).enableLora(true).loraAllowedDirs(List.of(allowed)).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    /** Submits a request with the adapter at {@code path} and returns the typed error it fails with. */
    static InvalidLoraAdapterException rejected(Path path) {
        LoraRequest lora = new LoraRequest("bad", 5, path);
        InvalidLoraAdapterException e = assertThrows(InvalidLoraAdapterException.class, () -> llm.generate(
                Prompt.text("Hi"), SamplingParams.defaults(), "bad", GenerateOptions.defaults().withLoraRequest(lora)));
        assertEquals("lora_path", e.field());
        ExecutionException viaAdd = assertThrows(ExecutionException.class,
                () -> llm.addLora(lora).get(30, TimeUnit.SECONDS), "addLora refuses it too");
        assertEquals(e.reason(), assertInstanceOf(InvalidLoraAdapterException.class, viaAdd.getCause()).reason());
        assertTrue(llm.isRunning());
        return e;
    }

    @Test
    void missingFile() {
        assertEquals(Reason.MISSING, rejected(allowed.resolve("absent.gguf")).reason());
    }

    @Test
    void notGguf() throws Exception {
        Path text = Files.writeString(allowed.resolve("notes.gguf"), "not a gguf file at all");
        assertEquals(Reason.NOT_GGUF, rejected(text).reason());
        Path colon = Files.writeString(allowed.resolve("a: b.gguf"), "not a gguf file at all");
        String message = rejected(colon).getMessage();
        assertEquals(1, message.split("b\\.gguf", -1).length - 1, "the path is named once: " + message);
        assertTrue(message.endsWith(": not a GGUF file (bad magic; expected 'GGUF')"), message);
    }

    @Test
    void aModelIsNotAnAdapter() throws Exception {
        Path model = Files.copy(TinyModels.tinyF32(), allowed.resolve("model.gguf"));
        InvalidLoraAdapterException e = rejected(model);
        assertEquals(Reason.NOT_LORA, e.reason());
        assertTrue(e.getMessage().contains("general.type"), e.getMessage());
    }

    @Test
    void adapterForAnotherArchitecture() throws java.io.IOException {
        Path qwen = allowed.resolve("qwen.gguf");
        LoraSynthesizer.adapterHeader("qwen2", 8f, "other").addTensor("blk.0.attn_q.weight.lora_a", new long[] {64, 2}, new float[128])
                .addTensor("blk.0.attn_q.weight.lora_b", new long[] {2, 64}, new float[128]).write(qwen);
        assertEquals(Reason.ARCHITECTURE_MISMATCH, rejected(qwen).reason());
    }

    @Test
    void adapterForAnotherShape() throws java.io.IOException {
        Path wide = allowed.resolve("wide.gguf");
        LoraSynthesizer.adapterHeader("llama", 8f, "wide").addTensor("blk.0.attn_q.weight.lora_a", new long[] {128, 2}, new float[256])
                .addTensor("blk.0.attn_q.weight.lora_b", new long[] {2, 64}, new float[128]).write(wide);
        InvalidLoraAdapterException e = rejected(wide);
        assertEquals(Reason.SHAPE_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(expected A = [64, r] and B = [r, 64])"), e.getMessage());
        Path extraLayer = allowed.resolve("layer9.gguf");
        LoraSynthesizer.adapterHeader("llama", 8f, "deep").addTensor("blk.9.attn_q.weight.lora_a", new long[] {64, 2}, new float[128])
                .addTensor("blk.9.attn_q.weight.lora_b", new long[] {2, 64}, new float[128]).write(extraLayer);
        assertEquals(Reason.SHAPE_MISMATCH, rejected(extraLayer).reason());
    }

    /**
     * llama.cpp checks no rank on token_embd, and with tied embeddings it applies a token_embd adapter to the
     * output matmul as well: either would trip ggml_mul_mat's assert in the first graph.
     */
    @Test
    void embeddingAdaptersThatLlamaCppCannotApplyAreRefused() throws Exception {
        Path fitting = allowed.resolve("embd.gguf");
        LoraSynthesizer.adapterHeader("llama", 8f, "embd").addTensor("token_embd.weight.lora_a", new long[] {2, 32_000}, new float[64_000])
                .addTensor("token_embd.weight.lora_b", new long[] {2, 64}, new float[128]).write(fitting);
        InvalidLoraAdapterException tied = rejected(fitting);
        assertEquals(Reason.SHAPE_MISMATCH, tied.reason());
        assertTrue(tied.getMessage().contains("tied"), tied.getMessage());

        Path untiedModel = ModelSynthesizer.synthesize(ModelPreset.builder("tiny-untied", Architecture.LLAMA)
                .vocab("llama-spm", 32_000).embeddingLength(64).blockCount(1).heads(4, 2).feedForwardLength(128)
                .contextLength(128).build(), outside.resolve("untied.gguf"), QuantType.F32, 7);
        GgufFile untied = GgufFile.read(untiedModel);
        LoraCompatibility.check(LoraFile.read(fitting), untied);
        Path mismatched = allowed.resolve("embd-rank.gguf");
        LoraSynthesizer.adapterHeader("llama", 8f, "embd").addTensor("token_embd.weight.lora_a", new long[] {2, 32_000}, new float[64_000])
                .addTensor("token_embd.weight.lora_b", new long[] {3, 64}, new float[192]).write(mismatched);
        InvalidLoraAdapterException rank = assertThrows(InvalidLoraAdapterException.class,
                () -> LoraCompatibility.check(LoraFile.read(mismatched), untied));
        assertEquals(Reason.SHAPE_MISMATCH, rank.reason());
        assertTrue(rank.getMessage().contains("token_embd.weight"), rank.getMessage());
        assertTrue(rank.getMessage().endsWith("(expected A = [r, 32000] and B = [r, 64])"), rank.getMessage());
        try (AsyncLLM engine = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(untiedModel).maxModelLen(64).maxNumSeqs(1)
                .threads(2).enableLora(true).build())) {
            var out = engine.generate(Prompt.text("Hi"), SamplingParams.builder().maxTokens(2).ignoreEos(true).build(), "embd",
                    GenerateOptions.defaults().withLoraRequest(new LoraRequest("embd", 6, fitting))).finalOutput();
            assertEquals(2, out.outputs().getFirst().tokenIds().size(), "an untied model runs the same adapter");
        }
    }

    /** llama.cpp reads the alpha with gguf_get_val_f32, which asserts a float32: a float64 would abort the process. */
    @Test
    void alphaMustBeAFloat32() throws Exception {
        Path file = allowed.resolve("alpha64.gguf");
        LoraSynthesizer.adapterHeader("llama", 8f, "alpha").write(file);
        byte[] bytes = Files.readAllBytes(file);
        byte[] key = "adapter.lora.alpha".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int value = indexOf(bytes, key) + key.length; // the value's type tag, then its 4 bytes
        ByteBuffer float64 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(12).putDouble(8.0);
        byte[] patched = new byte[bytes.length + 4];
        System.arraycopy(bytes, 0, patched, 0, value);
        System.arraycopy(float64.array(), 0, patched, value, 12);
        System.arraycopy(bytes, value + 8, patched, value + 12, bytes.length - value - 8);
        Files.write(file, patched);
        InvalidLoraAdapterException e = rejected(file);
        assertEquals(Reason.NOT_LORA, e.reason());
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }

    /** ggml's CPU backend has no matrix kernel for integer types: such a factor would crash the first decode. */
    @Test
    void integerFactorsAreRefused() throws Exception {
        Path file = allowed.resolve("int-factor.gguf");
        LoraSynthesizer.adapterHeader("llama", 8f, "ints").addTensor("blk.0.attn_q.weight.lora_a", new long[] {64, 2}, new float[128])
                .addTensor("blk.0.attn_q.weight.lora_b", new long[] {2, 64}, new float[128]).write(file);
        byte[] bytes = Files.readAllBytes(file);
        byte[] name = "blk.0.attn_q.weight.lora_b".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int type = indexOf(bytes, name) + name.length + 4 + 2 * 8; // after the dimension count and two dimensions
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(type, 26); // GGML_TYPE_I32: same size as F32
        Files.write(file, bytes);
        InvalidLoraAdapterException e = rejected(file);
        assertEquals(Reason.NOT_LORA, e.reason());
        assertTrue(e.getMessage().contains("lora_b") && e.getMessage().contains("i32"), e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found: " + new String(needle, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void pathOutsideTheAllowedDirectories() throws Exception {
        Path elsewhere = Files.copy(good, outside.resolve("good.gguf"));
        assertEquals(Reason.OUTSIDE_ALLOWED_DIRS, rejected(elsewhere).reason());
        Path traversal = allowed.resolve("..").resolve(outside.getFileName()).resolve("good.gguf");
        assertEquals(Reason.OUTSIDE_ALLOWED_DIRS, rejected(traversal).reason());
        Path link = Files.createSymbolicLink(allowed.resolve("link.gguf"), elsewhere);
        assertEquals(Reason.OUTSIDE_ALLOWED_DIRS, rejected(link).reason());
        assertEquals(Reason.OUTSIDE_ALLOWED_DIRS, rejected(outside.resolve("absent.gguf")).reason(),
                "a path outside is refused before anything says whether it exists");
    }

    @Test
    void pinOfAnUnknownId() throws java.io.IOException {
        ExecutionException e = assertThrows(ExecutionException.class, () -> llm.pinLora(42).get(30, TimeUnit.SECONDS));
        assertInstanceOf(UnknownLoraException.class, e.getCause());
        assertTrue(llm.isRunning());
    }

    @Test
    void aGoodAdapterStillWorksAfterTheBadOnes() throws Exception {
        var out = llm.generate(Prompt.text("Hi"), SamplingParams.builder().maxTokens(3).ignoreEos(true).build(), "good",
                GenerateOptions.defaults().withLoraRequest(new LoraRequest("good", 1, good))).finalOutput();
        assertEquals(FinishReason.LENGTH, out.outputs().getFirst().finishReason());
        assertEquals(3, out.outputs().getFirst().tokenIds().size());
    }

    @Test
    void invalidRequestFieldsAreTypedErrors() {
        assertThrows(InvalidRequestException.class, () -> new LoraRequest("x", 0, good));
        assertThrows(InvalidRequestException.class, () -> new LoraRequest("", 1, good));
        assertThrows(InvalidRequestException.class, () -> new LoraRequest("x", 1, good, Float.NaN));
    }

    @Test
    void withoutLoraEnabledRequestsAndControlCallsAreRefused() throws Exception {
        try (AsyncLLM plain = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TinyModels.tinyF32()).maxModelLen(64)
                .maxNumSeqs(1).threads(2).build())) {
            assertThrows(LoraNotEnabledException.class, () -> plain.generate(Prompt.text("Hi"), SamplingParams.defaults(),
                    "x", GenerateOptions.defaults().withLoraRequest(new LoraRequest("good", 1, good))));
            ExecutionException e = assertThrows(ExecutionException.class, () -> plain.listLoras().get(30, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }
}
