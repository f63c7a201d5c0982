package dev.panllama.engine.models;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.NativeLog;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_model_quantize_params;
import dev.panllama.engine.NativeCallException;
import dev.panllama.engine.gguf.GgufFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;

/** {@code llama_model_quantize} with llama.cpp's default mix for the type (output and embedding types included). */
public final class Quantizer {
    private Quantizer() {}

    /**
     * Writes {@code input} (an F32 or F16 GGUF, checked first in Java) as {@code type} to {@code output}, using all
     * processors. Rows whose length is not a multiple of a type's block size fall back to a type that fits, as
     * {@code llama-quantize} does.
     *
     * @throws NativeCallException when llama.cpp refuses (its last error line is in the message)
     */
    public static void quantize(Path input, Path output, QuantType type) {
        Objects.requireNonNull(type, "type");
        GgufFile.read(input);
        NativeLibrary.load();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment params = LlamaCpp.llama_model_quantize_default_params(call);
            llama_model_quantize_params.ftype(params, type.llamaFtype());
            NativeLog.takeErrors();
            int rc = LlamaCpp.llama_model_quantize(call.allocateFrom(input.toString()), call.allocateFrom(output.toString()),
                    params);
            if (rc != 0) {
                String detail = NativeLog.takeErrors();
                throw new NativeCallException("quantizing " + input + " to " + type + " failed (" + rc + "): "
                        + (detail == null ? "no detail logged" : detail));
            }
        }
    }
}
