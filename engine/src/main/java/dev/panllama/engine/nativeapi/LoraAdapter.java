package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLog;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.engine.NativeCallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA adapter loaded for one {@link Model}. llama.cpp frees adapters left open when their model goes, so the
 * model closes its adapters first; an adapter closed while a context applies it is taken off that context before
 * its memory goes. Callers validate the file in Java first (the LoRA module's validator): llama.cpp only logs
 * why it refuses a file.
 */
public final class LoraAdapter implements AutoCloseable {
    private static final int META_BUFFER = 512;

    private final Model model;
    private final Path path;
    private final Arena arena;
    private final MemorySegment handle;

    private LoraAdapter(Model model, Path path, Arena arena, MemorySegment handle) {
        this.model = model;
        this.path = path;
        this.arena = arena;
        this.handle = handle;
    }

    /**
     * Loads the adapter's tensors next to the model's (same buffer types).
     *
     * @throws NativeCallException with llama.cpp's logged reason when it refuses the file
     */
    public static LoraAdapter load(Model model, Path path) {
        if (!model.isOpen()) {
            throw new IllegalStateException("the model is closed");
        }
        MemorySegment raw;
        try (Arena call = Arena.ofConfined()) {
            NativeLog.takeErrors();
            raw = LlamaCpp.llama_adapter_lora_init(model.handle(), call.allocateFrom(path.toString()));
        }
        if (raw.equals(MemorySegment.NULL)) {
            String error = NativeLog.takeErrors();
            throw new NativeCallException("llama.cpp could not load the LoRA adapter " + path + ": "
                    + (error == null ? "no detail logged" : error));
        }
        // the arena exists only once there is something for it to free
        Arena arena = Arena.ofShared();
        LoraAdapter adapter = new LoraAdapter(model, path, arena, raw.reinterpret(arena, LlamaCpp::llama_adapter_lora_free));
        model.register(adapter);
        return adapter;
    }

    MemorySegment handle() {
        return handle;
    }

    public Model model() {
        return model;
    }

    public Path path() {
        return path;
    }

    /** The adapter's scalar GGUF metadata as llama.cpp read it (arrays are left out). */
    public Map<String, String> metadata() {
        Map<String, String> values = new LinkedHashMap<>();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buffer = call.allocate(META_BUFFER);
            int count = LlamaCpp.llama_adapter_meta_count(handle);
            for (int i = 0; i < count; i++) {
                LlamaCpp.llama_adapter_meta_key_by_index(handle, i, buffer, META_BUFFER);
                String key = buffer.getString(0);
                LlamaCpp.llama_adapter_meta_val_str_by_index(handle, i, buffer, META_BUFFER);
                values.put(key, buffer.getString(0));
            }
        }
        return values;
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        model.release(this);
        arena.close();
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + path + "]";
    }
}
