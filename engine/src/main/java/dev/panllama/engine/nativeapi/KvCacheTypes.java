package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.internal.LlamaCpp;
import java.util.Locale;

/** KV cache element types by the names users pass (vLLM's kv-cache-dtype, llama.cpp's -ctk/-ctv). */
final class KvCacheTypes {
    private KvCacheTypes() {}

    static int ggmlType(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f16" -> LlamaCpp.GGML_TYPE_F16();
            case "f32" -> LlamaCpp.GGML_TYPE_F32();
            case "bf16" -> LlamaCpp.GGML_TYPE_BF16();
            case "q8_0" -> LlamaCpp.GGML_TYPE_Q8_0();
            case "q4_0" -> LlamaCpp.GGML_TYPE_Q4_0();
            case "q4_1" -> LlamaCpp.GGML_TYPE_Q4_1();
            case "q5_0" -> LlamaCpp.GGML_TYPE_Q5_0();
            case "q5_1" -> LlamaCpp.GGML_TYPE_Q5_1();
            case "iq4_nl" -> LlamaCpp.GGML_TYPE_IQ4_NL();
            default -> throw new IllegalArgumentException("unknown KV cache type '" + name
                    + "' (f16, f32, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl)");
        };
    }
}
