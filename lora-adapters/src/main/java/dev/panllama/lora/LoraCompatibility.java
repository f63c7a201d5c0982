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
            long[] ws = w.shape();
            long[] a = pair.a().shape();
            long[] b = pair.b().shape();
            boolean fits = name.endsWith("token_embd.weight")
                    // llama.cpp looks embeddings up through B, so there A and B trade places (llm_build_inp_embd)
                    ? ws.length >= 2 && ws[0] == b[1] && ws[1] == a[1]
                    : ws.length >= 2 && ws[0] == a[0] && ws[1] == b[1] && a[1] == b[0];
            if (!fits) {
                throw new InvalidLoraAdapterException(adapter.path(), Reason.SHAPE_MISMATCH, "'" + name + "' has shape "
                        + Arrays.toString(ws) + " in the model but the adapter's A is " + Arrays.toString(a) + " and B is "
                        + Arrays.toString(b) + " (expected A = [" + ws[0] + ", r] and B = [r, " + (ws.length > 1 ? ws[1] : "?") + "])");
            }
        });
    }
}
