package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.NativeLog;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_model_params;
import dev.panllama.bindings.internal.llama_progress_callback;
import dev.panllama.engine.NativeCallException;
import dev.panllama.engine.UnsupportedModelException;
import dev.panllama.engine.gguf.GgufFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loaded llama.cpp model. Its native handle belongs to a shared {@link Arena}: closing the model frees it,
 * and any later use fails in Java instead of touching freed memory. Contexts created from a model are
 * closed with it, because llama.cpp requires contexts to go before their model.
 */
public final class Model implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment handle;
    private final Path path;
    private final GgufFile file;
    private final boolean vocabOnly;
    private final ModelParams params;
    private final Vocab vocab;
    private final Set<Context> contexts = ConcurrentHashMap.newKeySet();
    private final Set<LoraAdapter> adapters = ConcurrentHashMap.newKeySet();

    private Model(Arena arena, MemorySegment handle, Path path, GgufFile file, ModelParams params) {
        this.arena = arena;
        this.handle = handle;
        this.path = path;
        this.file = file;
        this.vocabOnly = params.vocabOnly();
        this.params = params;
        this.vocab = new Vocab(LlamaCpp.llama_model_get_vocab(handle).reinterpret(arena, null), this);
    }

    public static Model load(Path path) {
        return load(path, ModelParams.defaults());
    }

    /**
     * Validates the file in Java (exists, is GGUF, not truncated, has weights unless only the vocab is
     * asked for), then loads it. Errors: {@link dev.panllama.engine.InvalidModelFileException},
     * {@link UnsupportedModelException}, {@link NativeCallException}; none of them harms the process.
     */
    public static Model load(Path path, ModelParams params) {
        return load(path, params, DevicePlacement.automatic());
    }

    /** As {@link #load(Path, ModelParams)}, with the weights placed on {@code placement}'s devices. */
    public static Model load(Path path, ModelParams params, DevicePlacement placement) {
        GgufFile file = GgufFile.read(path);
        if (file.vocabOnly() && !params.vocabOnly()) {
            throw new UnsupportedModelException(path + " is a vocab-only GGUF (no tensors): it can tokenize but not"
                    + " generate. Pass a full model, or load it with vocabOnly=true for tokenization.");
        }
        NativeLibrary.load();
        Arena arena = Arena.ofShared();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment mp = LlamaCpp.llama_model_default_params(call);
            llama_model_params.n_gpu_layers(mp, params.gpuLayers());
            llama_model_params.load_mode(mp, params.useMmap() ? LlamaCpp.LLAMA_LOAD_MODE_MMAP() : LlamaCpp.LLAMA_LOAD_MODE_NONE());
            llama_model_params.vocab_only(mp, params.vocabOnly());
            llama_model_params.check_tensors(mp, params.checkTensors());
            placement.apply(mp, call);
            RuntimeException[] callbackFailure = new RuntimeException[1];
            if (params.progress() != null) {
                // the stub only lives for this call: llama.cpp reports progress on this thread, during the load
                llama_model_params.progress_callback(mp, llama_progress_callback.allocate((fraction, userData) -> {
                    try {
                        return params.progress().onProgress(fraction);
                    } catch (RuntimeException e) {
                        callbackFailure[0] = e;
                        return false;
                    }
                }, call));
            }
            NativeLog.takeErrors();
            MemorySegment raw = LlamaCpp.llama_model_load_from_file(call.allocateFrom(path.toString()), mp);
            if (callbackFailure[0] != null) {
                freeIfLoaded(raw);
                throw callbackFailure[0];
            }
            if (raw.equals(MemorySegment.NULL)) {
                throw loadFailure(path, file, NativeLog.takeErrors());
            }
            MemorySegment handle = raw.reinterpret(arena, LlamaCpp::llama_model_free);
            return new Model(arena, handle, path, file, params);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void freeIfLoaded(MemorySegment raw) {
        if (!raw.equals(MemorySegment.NULL)) {
            LlamaCpp.llama_model_free(raw);
        }
    }

    private static RuntimeException loadFailure(Path path, GgufFile file, String nativeError) {
        String detail = nativeError == null ? "no detail logged" : nativeError;
        if (detail.contains("unknown model architecture")) {
            return new UnsupportedModelException(path + ": unknown model architecture '" + file.architecture()
                    + "' for llama.cpp " + dev.panllama.bindings.LlamaPin.current().version() + " (" + detail + ")");
        }
        return new NativeCallException("llama.cpp could not load " + path + ": " + detail);
    }

    MemorySegment handle() {
        return handle;
    }

    Arena arena() {
        return arena;
    }

    void register(Context context) {
        contexts.add(context);
    }

    void unregister(Context context) {
        contexts.remove(context);
    }

    void register(LoraAdapter adapter) {
        adapters.add(adapter);
    }

    /** An adapter is closing: no context may keep applying it, and the model must not free it again. */
    void release(LoraAdapter adapter) {
        adapters.remove(adapter);
        for (Context context : contexts) {
            context.dropLoraAdapter(adapter);
        }
    }

    public Path path() {
        return path;
    }

    /** The file's metadata and tensor directory as read before loading. */
    public GgufFile file() {
        return file;
    }

    /** The parameters it was loaded with, to load it again the same way. */
    public ModelParams params() {
        return params;
    }

    /**
     * Whether some weights may live in device memory: layers were asked to be offloaded and a GPU device is
     * registered. ({@code llama_supports_gpu_offload} is not the test: it is also true when only the RPC backend
     * is built in.) Then only freeing the model gives that memory back.
     */
    public boolean offloadsWeights() {
        return params.gpuLayers() != 0 && (hasDevice(LlamaCpp.GGML_BACKEND_DEVICE_TYPE_GPU())
                || hasDevice(LlamaCpp.GGML_BACKEND_DEVICE_TYPE_IGPU()));
    }

    private static boolean hasDevice(int type) {
        return !LlamaCpp.ggml_backend_dev_by_type(type).equals(MemorySegment.NULL);
    }

    public boolean vocabOnly() {
        return vocabOnly;
    }

    public Vocab vocab() {
        return vocab;
    }

    public String architecture() {
        return file.architecture();
    }

    /** llama.cpp's one-line description, e.g. "llama ?B all F32". */
    public String description() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buf = call.allocate(256);
            LlamaCpp.llama_model_desc(handle, buf, buf.byteSize());
            return buf.getString(0);
        }
    }

    public int layerCount() {
        return LlamaCpp.llama_model_n_layer(handle);
    }

    public int embeddingSize() {
        return LlamaCpp.llama_model_n_embd(handle);
    }

    public int headCount() {
        return LlamaCpp.llama_model_n_head(handle);
    }

    public int trainingContextLength() {
        return LlamaCpp.llama_model_n_ctx_train(handle);
    }

    public long parameterCount() {
        return LlamaCpp.llama_model_n_params(handle);
    }

    public long sizeBytes() {
        return LlamaCpp.llama_model_size(handle);
    }

    /** Sliding attention window in tokens, 0 when every layer attends to the whole context. */
    public int slidingWindow() {
        return LlamaCpp.llama_model_n_swa(handle);
    }

    /** True for models whose memory is recurrent state (Mamba, RWKV) or partly so (hybrids). */
    public boolean isRecurrent() {
        return LlamaCpp.llama_model_is_recurrent(handle) || LlamaCpp.llama_model_is_hybrid(handle);
    }

    public boolean hasEncoder() {
        return LlamaCpp.llama_model_has_encoder(handle);
    }

    public boolean hasDecoder() {
        return LlamaCpp.llama_model_has_decoder(handle);
    }

    /** The pooling the GGUF declares ({@code <arch>.pooling_type}); NONE when it declares none (generative models). */
    public PoolingType declaredPooling() {
        String value = metadata().get(architecture() + ".pooling_type");
        if (value == null) {
            return PoolingType.NONE;
        }
        try {
            return PoolingType.of(Integer.parseInt(value.trim()));
        } catch (IllegalArgumentException e) {
            return PoolingType.NONE;
        }
    }

    /** Every metadata key and value as llama.cpp renders them (arrays abbreviated). */
    public Map<String, String> metadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment key = call.allocate(256);
            MemorySegment value = call.allocate(4096);
            int count = LlamaCpp.llama_model_meta_count(handle);
            for (int i = 0; i < count; i++) {
                if (LlamaCpp.llama_model_meta_key_by_index(handle, i, key, key.byteSize()) >= 0
                        && LlamaCpp.llama_model_meta_val_str_by_index(handle, i, value, value.byteSize()) >= 0) {
                    meta.put(key.getString(0), value.getString(0));
                }
            }
        }
        return meta;
    }

    /** Writes the model (weights and metadata) as GGUF. */
    public void saveTo(Path target) {
        if (vocabOnly) {
            // llama.cpp asserts when asked to write the weights it never loaded
            throw new UnsupportedModelException(path + " was loaded vocab-only: there are no weights to save");
        }
        try (Arena call = Arena.ofConfined()) {
            LlamaCpp.llama_model_save_to_file(handle, call.allocateFrom(target.toString()));
        }
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        for (Context context : contexts) {
            context.close();
        }
        for (LoraAdapter adapter : adapters) {
            adapter.close();
        }
        arena.close();
    }

    /** Wraps a model built in memory (see the model tools) so it is owned and freed like a loaded one. */
    static Model adopt(MemorySegment raw, Path path, GgufFile file) {
        Arena arena = Arena.ofShared();
        return new Model(arena, raw.reinterpret(arena, LlamaCpp::llama_model_free), path, file,
                ModelParams.defaults());
    }
}
