package dev.panllama.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.LoraAdapter;
import dev.panllama.engine.nativeapi.Model;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp applies an adapter unmerged (y = Wx + s·B(Ax)); a model whose weights were merged in Java
 * (W + s·B·A) must give the same logits. Tolerance: 1e-4 absolute on logits whose spread is about 1, against
 * an adapter effect at least 100 times larger than that, so a mis-scaled or transposed adapter cannot pass.
 */
class LoraMathTest {
    static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void adapterOnOneLayerEqualsTheMergedModel() throws Exception {
        Path model = TinyModels.tinyF32();
        LoraFile adapter = LoraSynthesizer.synthesize(model, dir.resolve("one-layer.gguf"), new LoraSynthesizer.Options(
                4, 8f, List.of("attn_q", "attn_v", "ffn_down"), List.of(1), 11, 0.5));
        assertEquals(3, adapter.pairs().size());
        float scale = 0.75f;
        Path merged = MergedWeights.merge(model, adapter, scale, dir.resolve("merged.gguf"));

        float[][] base = logits(model, null, 0);
        float[][] withAdapter = logits(model, adapter.path(), scale);
        float[][] reference = logits(merged, null, 0);
        System.out.printf("adapter vs merged: max |Δlogit| = %.3g; adapter effect: %.3g%n",
                maxDifference(reference, withAdapter), maxDifference(base, reference));
        assertClose(reference, withAdapter, TOLERANCE);
        assertTrue(maxDifference(base, reference) > 100 * TOLERANCE,
                "the adapter must change the logits clearly: " + maxDifference(base, reference));
    }

    /** Logits of every position of a fixed prompt, with an adapter at a scale or without. */
    static float[][] logits(Path modelPath, Path adapterPath, float scale) {
        try (Model model = Model.load(modelPath);
             Context context = Context.create(model, ContextParams.defaults().withContextLength(64).withThreads(2));
             Batch batch = new Batch(16, 1)) {
            if (adapterPath != null) {
                LoraAdapter adapter = LoraAdapter.load(model, adapterPath);
                context.setLoraAdapters(List.of(adapter), new float[] {scale});
            }
            int[] prompt = model.vocab().tokenize("Once upon a time there was", true, false);
            for (int i = 0; i < prompt.length; i++) {
                batch.add(prompt[i], i, 0, true);
            }
            assertTrue(context.decode(batch));
            float[][] rows = new float[prompt.length][];
            for (int i = 0; i < prompt.length; i++) {
                rows[i] = context.logits(i);
            }
            return rows;
        }
    }

    static double maxDifference(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    static void assertClose(float[][] expected, float[][] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        double max = maxDifference(expected, actual);
        assertTrue(max <= tolerance, "logits differ by up to " + max + " (tolerance " + tolerance + ")");
    }
}
