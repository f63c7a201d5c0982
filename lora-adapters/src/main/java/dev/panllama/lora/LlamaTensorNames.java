package dev.panllama.lora;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face llama module names → llama.cpp GGUF weight names, as llama.cpp's converter maps them:
 * {@code model.layers.N.self_attn.q_proj} → {@code blk.N.attn_q.weight} and so on.
 */
final class LlamaTensorNames {
    private static final Pattern LAYER = Pattern.compile("(?:.*\\.)?layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)");
    private static final Map<String, String> MODULES = Map.of(
            "self_attn.q_proj", "attn_q",
            "self_attn.k_proj", "attn_k",
            "self_attn.v_proj", "attn_v",
            "self_attn.o_proj", "attn_output",
            "mlp.gate_proj", "ffn_gate",
            "mlp.up_proj", "ffn_up",
            "mlp.down_proj", "ffn_down");

    private LlamaTensorNames() {}

    /** The GGUF weight for a module path (PEFT's prefixes allowed); null when it is not a mapped module. */
    static String ggufWeight(String module) {
        if (module.equals("lm_head") || module.endsWith(".lm_head")) {
            return "output.weight";
        }
        Matcher m = LAYER.matcher(module);
        if (!m.matches()) {
            return null;
        }
        String kind = MODULES.get(m.group(2) + "." + m.group(3));
        return kind == null ? null : "blk." + m.group(1) + "." + kind + ".weight";
    }

    /**
     * llama.cpp's converter reorders the rows of q and k from Hugging Face's rotary layout (two halves per head)
     * to llama.cpp's (interleaved pairs); the rows of an adapter's B factor move the same way.
     *
     * @param rows    row-major matrix of {@code rowCount} rows
     * @param heads   attention heads (key-value heads for k)
     */
    static float[] permuteRotaryRows(float[] rows, int rowCount, int heads) {
        int columns = rows.length / rowCount;
        int headDim = rowCount / heads;
        int half = headDim / 2;
        float[] out = new float[rows.length];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int s = 0; s < 2; s++) {
                    int from = h * headDim + s * half + j;
                    int to = h * headDim + 2 * j + s;
                    System.arraycopy(rows, from * columns, out, to * columns, columns);
                }
            }
        }
        return out;
    }
}
