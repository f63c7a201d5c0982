package dev.panllama.engine.models;

import dev.panllama.bindings.internal.LlamaCpp;
import java.util.Arrays;
import java.util.Locale;

/** The weight formats a synthesized model can be written in. F32 is written as generated; the others are quantized from it. */
public enum QuantType {
    F32, F16, Q8_0, Q4_0,
    /** k-quant mix: rows that are not multiples of 256 (small models) fall back to other types. */
    Q4_K_M;

    /** llama.cpp's {@code llama_ftype} for {@code llama_model_quantize}. */
    public int llamaFtype() {
        return switch (this) {
            case F32 -> LlamaCpp.LLAMA_FTYPE_ALL_F32();
            case F16 -> LlamaCpp.LLAMA_FTYPE_MOSTLY_F16();
            case Q8_0 -> LlamaCpp.LLAMA_FTYPE_MOSTLY_Q8_0();
            case Q4_0 -> LlamaCpp.LLAMA_FTYPE_MOSTLY_Q4_0();
            case Q4_K_M -> LlamaCpp.LLAMA_FTYPE_MOSTLY_Q4_K_M();
        };
    }

    /** Whether producing it takes a {@code llama_model_quantize} pass over the F32 weights. */
    public boolean quantized() {
        return this != F32;
    }

    /** The type with this name, case-insensitive: "q4_k_m", "Q8_0", "f16". */
    public static QuantType byName(String name) {
        String wanted = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (QuantType t : values()) {
            if (t.name().equals(wanted)) {
                return t;
            }
        }
        throw new UnknownNameException("quantization type", name, Arrays.stream(values()).map(Enum::name).toList());
    }
}
