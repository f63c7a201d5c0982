package dev.panllama.engine.models;

import dev.panllama.bindings.NativeLog;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.engine.NativeCallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a model built in memory as GGUF: the synthesis metadata and a chosen subset of the model's tensors,
 * read back from their backend buffers. This is what {@code llama_model_save_to_file} does internally, except
 * that it cannot leave out the optional tensors {@code llama_model_init_from_user} creates, and it rebuilds
 * the metadata from the loaded hyper-parameters, dropping keys such as the chat template.
 */
final class WeightFileWriter {
    private WeightFileWriter() {}

    /** Writes {@code tensors} (distinct names, in order) with a copy of {@code metadata}'s keys as an F32 file. */
    static void write(MemorySegment metadata, List<WeightInitializer.Tensor> tensors, Path target) {
        MemorySegment gguf = LlamaCpp.gguf_init_empty();
        if (gguf.equals(MemorySegment.NULL)) {
            throw new NativeCallException("gguf_init_empty returned NULL (out of memory?)");
        }
        try (Arena call = Arena.ofConfined()) {
            LlamaCpp.gguf_set_kv(gguf, metadata);
            LlamaCpp.gguf_set_val_u32(gguf, call.allocateFrom("general.file_type"), LlamaCpp.LLAMA_FTYPE_ALL_F32());
            for (WeightInitializer.Tensor t : tensors) {
                LlamaCpp.gguf_add_tensor(gguf, t.pointer());
            }
            NativeLog.takeErrors();
            if (!LlamaCpp.gguf_write_to_file(gguf, call.allocateFrom(target.toString()), false)) {
                String detail = NativeLog.takeErrors();
                throw new NativeCallException("could not write " + target + ": " + (detail == null ? "no detail logged" : detail));
            }
        } finally {
            LlamaCpp.gguf_free(gguf);
        }
    }
}
