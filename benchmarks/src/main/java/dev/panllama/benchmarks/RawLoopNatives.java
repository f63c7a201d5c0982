package dev.panllama.benchmarks;

import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The model and context a raw loop (llama.cpp's calls from a Java thread, no engine) decodes with, opened as llama.cpp's
 * tools are run: with {@code gpu}, every layer on the GPU and flash attention on.
 */
record RawLoopNatives(Model model, Context context) implements AutoCloseable {

    /** Loads the model and makes the context {@code params} gives for the flash-attention setting; a failure frees both. */
    static RawLoopNatives open(Path path, boolean gpu, Function<ContextParams.FlashAttention, ContextParams> params) {
        Model model = Model.load(path, gpu ? ModelParams.defaults().withGpuLayers(-1) : ModelParams.defaults());
        try {
            return new RawLoopNatives(model, Context.create(model,
                    params.apply(gpu ? ContextParams.FlashAttention.ENABLED : ContextParams.FlashAttention.AUTO)));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public void close() {
        context.close();
        model.close();
    }
}
