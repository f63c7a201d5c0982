package dev.panllama.lora;

import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.gguf.GgufFile.TensorInfo;
import dev.panllama.lora.InvalidLoraAdapterException.Reason;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks in Java what llama.cpp checks while loading an adapter (same architecture, every adapted weight exists
 * in the model, factor shapes fit it), so a mismatch is a typed error with the tensor's name rather than a
 * refused load with only a log line.
 */
public final class LoraCompatibility {
    private LoraCompatibility() {}

    /** @throws InvalidLoraAdapterException ARCHITECTURE_MISMATCH or SHAPE_MISMATCH */
    public static void check(LoraFile adapter, GgufFile model) {
        if (!adapter.architecture().equals(model.architecture())) {
            throw new InvalidLoraAdapterException(adapter.path(), Reason.ARCHITECTURE_MISMATCH, "is for architecture '"
                    + adapter.architecture() + "' but the model " + model.path().getFileName() + " is '" + model.architecture() + "'");
        }
        Map<String, TensorInfo> weights = new HashMap<>();
        for (TensorInfo t : model.tensors()) {
            weights.put(t.name(), t);
        }
        adapter.pairs().forEach((name, pair) -> {
            TensorInfo w = weights.get(name);
            if (w == null) {
                throw new InvalidLoraAdapterException(adapter.path(), Reason.SHAPE_MISMATCH, "adapts '" + name
                        + "', which the model does not have (an adapter for another model?)");
            }
            boolean embedding = name.endsWith("token_embd.weight");
            if (embedding && !weights.containsKey("output.weight")) {
                // With tied embeddings llama.cpp's output projection is token_embd too, and it finds adapters by
                // name: the embedding-shaped factors would meet the output matmul and trip ggml's GGML_ASSERT.
                throw new InvalidLoraAdapterException(adapter.path(), Reason.SHAPE_MISMATCH, "adapts 'token_embd.weight',"
                        + " which the model " + model.path().getFileName() + " also uses as its output projection (tied"
                        + " embeddings); llama.cpp cannot apply an embedding adapter there");
            }
            long[] ws = w.shape();
            long[] a = pair.a().shape();
            long[] b = pair.b().shape();
            // The factors are matrices, so the weight must be one too: a 3-D expert weight goes through
            // ggml_mul_mat_id, which would index experts the 2-D factors do not have.
            if (ws.length != 2) {
                throw new InvalidLoraAdapterException(adapter.path(), Reason.SHAPE_MISMATCH, "'" + name + "' has shape "
                        + Arrays.toString(ws) + " in the model; only a matrix can take a LoRA adapter");
            }
            // llama.cpp looks embeddings up through B, so there A and B trade places (llm_build_inp_embd).
            // The rank must agree on both factors: llama.cpp checks that only for non-embedding weights, and a
            // mismatch on token_embd trips ggml_mul_mat's GGML_ASSERT when the first graph is built.
            boolean fits = embedding
                    ? ws[0] == b[1] && ws[1] == a[1] && a[0] == b[0]
                    : ws[0] == a[0] && ws[1] == b[1] && a[1] == b[0];
            if (!fits) {
                String expected = embedding ? "A = [r, " + ws[1] + "] and B = [r, " + ws[0] + "]"
                        : "A = [" + ws[0] + ", r] and B = [r, " + ws[1] + "]";
                throw new InvalidLoraAdapterException(adapter.path(), Reason.SHAPE_MISMATCH, "'" + name + "' has shape "
                        + Arrays.toString(ws) + " in the model but the adapter's A is " + Arrays.toString(a) + " and B is "
                        + Arrays.toString(b) + " (expected " + expected + ")");
            }
        });
    }
}
