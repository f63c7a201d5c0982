package dev.panllama.engine.core;

import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.nativeapi.ResidentFile;
import java.nio.file.Path;

/**
 * The model and context one engine runs on, which sleep mode frees and brings back. Only the engine thread
 * touches it. What each release really frees in llama.cpp:
 * <ul>
 *   <li>{@link #freeContext()}: {@code llama_free} of the context, which owns the KV cache buffers, the compute
 *       graph's scratch buffers and the logits/embeddings output buffer. The weights are untouched.</li>
 *   <li>{@link #freeModel()}: {@code llama_model_free}, which unmaps the GGUF file (or frees the copy read into
 *       memory) and frees every backend buffer of the weights, including repacked CPU copies and any device
 *       copies. The pinned C API has no call that frees a model's device buffers while keeping the model, so
 *       giving back weight memory always means reloading from the file.</li>
 *   <li>{@link #moveWeightsToHost()}: for sleep level 1 when weights sit in device memory: frees the model but
 *       keeps the GGUF file mapped and paged in ({@link ResidentFile}), so waking reloads from host memory. On a
 *       CPU-only build the weights already are host memory (the model's mapping of the file), so level 1 keeps
 *       the model and frees only the context.</li>
 * </ul>
 */
final class EngineResources implements AutoCloseable {
    private final Path path;
    private final ModelParams modelParams;
    private final ContextParams contextParams;
    private Model model;
    private Context context;
    /** The GGUF kept in host memory while level-1 sleep freed device weights; null otherwise. */
    private ResidentFile hostWeights;

    EngineResources(Model model, Context context) {
        this.model = model;
        this.context = context;
        this.path = model.path();
        this.modelParams = model.params();
        this.contextParams = context.params();
    }

    Model model() {
        if (model == null) {
            throw new IllegalStateException("the model's weights are released (sleep level 2); wake the weights first");
        }
        return model;
    }

    Context context() {
        if (context == null) {
            throw new IllegalStateException("the KV cache is released (sleeping); wake the kv_cache first");
        }
        return context;
    }

    boolean hasModel() {
        return model != null;
    }

    boolean hasContext() {
        return context != null;
    }

    void freeContext() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    void freeModel() {
        freeContext();
        if (model != null) {
            model.close();
            model = null;
        }
    }

    /** Frees device copies of the weights, keeping the file's bytes in host memory; a no-op for host weights. */
    void moveWeightsToHost() {
        if (model != null && model.offloadsWeights()) {
            hostWeights = ResidentFile.map(path);
            freeModel();
        }
    }

    /** Loads the weights again from the same file (from host memory after {@link #moveWeightsToHost()}). */
    void reloadModel() {
        if (model == null) {
            model = Model.load(path, modelParams);
        }
        if (hostWeights != null) {
            hostWeights.close();
            hostWeights = null;
        }
    }

    /** Whether the weights are released, so the KV cache cannot be created yet. */
    boolean weightsReleased() {
        return model == null;
    }

    /** A fresh context (empty KV cache) with the parameters of the first one. */
    void recreateContext() {
        if (context == null) {
            context = Context.create(model(), contextParams);
        }
    }

    @Override
    public void close() {
        freeModel();
        if (hostWeights != null) {
            hostWeights.close();
            hostWeights = null;
        }
    }
}
