package dev.panllama.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PEFT adapter written here (q, k and down projections of layer 1, one tensor in F16) converts to a GGUF LoRA
 * whose logits equal those of the model with the adapter merged in Hugging Face's layout: ΔW = (alpha/r)·B·A,
 * with q and k rows moved into llama.cpp's rotary order.
 */
class PeftConverterTest {
    private static final int RANK = 4;
    private static final double ALPHA = 8;
    private static final int EMBD = 64;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int FFN = 128;

    @TempDir
    Path dir;

    private record Module(String peftName, String ggufName, int in, int out, int heads) {}

    private static final List<Module> MODULES = List.of(
            new Module("self_attn.q_proj", "blk.1.attn_q.weight", EMBD, EMBD, HEADS),
            new Module("self_attn.k_proj", "blk.1.attn_k.weight", EMBD, EMBD / HEADS * KV_HEADS, KV_HEADS),
            new Module("mlp.down_proj", "blk.1.ffn_down.weight", FFN, EMBD, 0));

    @Test
    void convertedAdapterMatchesTheMergedMath() throws Exception {
        Path model = TinyModels.tinyF32();
        Path peft = Files.createDirectories(dir.resolve("peft"));
        Map<String, float[]> deltas = writePeftAdapter(peft, new Random(5));
        LoraFile converted = PeftConverter.convert(peft, model, dir.resolve("converted.gguf"));
        assertEquals(3, converted.pairs().size());
        assertEquals(ALPHA, converted.alpha(), 1e-6);
        assertEquals(RANK, converted.rank());

        Path merged = MergedWeights.mergeDeltas(model, deltas, dir.resolve("merged.gguf"));
        float[][] reference = LoraMathTest.logits(merged, null, 0);
        float[][] withAdapter = LoraMathTest.logits(model, converted.path(), 1f);
        float[][] base = LoraMathTest.logits(model, null, 0);
        System.out.printf("PEFT adapter vs merged: max |Δlogit| = %.3g; adapter effect: %.3g%n",
                LoraMathTest.maxDifference(reference, withAdapter), LoraMathTest.maxDifference(base, reference));
        LoraMathTest.assertClose(reference, withAdapter, LoraMathTest.TOLERANCE);
        assertTrue(LoraMathTest.maxDifference(base, reference) > 100 * LoraMathTest.TOLERANCE);
    }

    /** Writes the adapter and returns the merged deltas in GGUF layout, computed here from the PEFT tensors. */
    private static Map<String, float[]> writePeftAdapter(Path peft, Random random) throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("peft_type", "LORA");
        config.put("r", RANK);
        config.put("lora_alpha", ALPHA);
        config.put("base_model_name_or_path", "synthetic/tiny");
        config.put("target_modules", List.of("q_proj", "k_proj", "down_proj"));
        new ObjectMapper().writeValue(peft.resolve("adapter_config.json").toFile(), config);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, float[]> deltas = new HashMap<>();
        for (Module m : MODULES) {
            boolean f16 = m.peftName().startsWith("mlp");
            float[] a = values(random, RANK * m.in(), 0.3, f16);
            float[] b = values(random, m.out() * RANK, 0.3, false);
            String prefix = "base_model.model.model.layers.1." + m.peftName();
            tensors.put(prefix + ".lora_A.weight", new Tensor(f16 ? "F16" : "F32", new long[] {RANK, m.in()}, a));
            tensors.put(prefix + ".lora_B.weight", new Tensor("F32", new long[] {m.out(), RANK}, b));
            float[] delta = MergedWeights.product(b, a, m.out(), RANK, m.in(), ALPHA / RANK);
            deltas.put(m.ggufName(), m.heads() == 0 ? delta : rotaryOrder(delta, m.out(), m.in(), m.heads()));
        }
        writeSafetensors(peft.resolve("adapter_model.safetensors"), tensors);
        return deltas;
    }

    /** Hugging Face's w.reshape(heads, 2, dim/heads/2, in).swapaxes(1, 2): llama.cpp's order of q/k rows. */
    private static float[] rotaryOrder(float[] w, int rows, int in, int heads) {
        int half = rows / heads / 2;
        float[] out = new float[w.length];
        int row = 0;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int pair = 0; pair < 2; pair++) {
                    int source = (h * 2 + pair) * half + j;
                    System.arraycopy(w, source * in, out, row++ * in, in);
                }
            }
        }
        return out;
    }

    private static float[] values(Random random, int n, double std, boolean f16) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
            if (f16) {
                v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
            }
        }
        return v;
    }

    record Tensor(String dtype, long[] shape, float[] data) {}

    static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws Exception {
        Map<String, Object> header = new LinkedHashMap<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            int width = t.dtype().equals("F32") ? 4 : 2;
            ByteBuffer bytes = ByteBuffer.allocate(t.data().length * width).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : t.data()) {
                if (width == 4) {
                    bytes.putFloat(f);
                } else {
                    bytes.putShort(Float.floatToFloat16(f));
                }
            }
            long begin = data.size();
            data.write(bytes.array());
            header.put(e.getKey(), Map.of("dtype", t.dtype(), "shape", t.shape(), "data_offsets", List.of(begin, (long) data.size())));
        }
        header.put("__metadata__", Map.of("format", "pt"));
        byte[] json = new ObjectMapper().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
        Files.write(file, concat(length.array(), json, data.toByteArray()));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aDirectoryWithoutAnAdapterIsATypedError() {
        PeftConversionException e = assertThrows(PeftConversionException.class,
                () -> PeftConverter.convert(dir, TinyModels.tinyF32(), dir.resolve("x.gguf")));
        assertTrue(e.getMessage().contains("adapter_config.json"), e.getMessage());
    }

    @Test
    void anAdapterForOtherShapesIsATypedError() throws Exception {
        Path peft = Files.createDirectories(dir.resolve("wide"));
        new ObjectMapper().writeValue(peft.resolve("adapter_config.json").toFile(), Map.of("r", 2, "lora_alpha", 2));
        Random random = new Random(1);
        writeSafetensors(peft.resolve("adapter_model.safetensors"), Map.of(
                "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight", new Tensor("F32", new long[] {2, 128}, values(random, 256, 1, false)),
                "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight", new Tensor("F32", new long[] {32, 2}, values(random, 64, 1, false))));
        InvalidLoraAdapterException e = assertThrows(InvalidLoraAdapterException.class,
                () -> PeftConverter.convert(peft, TinyModels.tinyF32(), dir.resolve("wide.gguf")));
        assertEquals(InvalidLoraAdapterException.Reason.SHAPE_MISMATCH, e.reason());
    }
}
