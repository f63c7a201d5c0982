package dev.panllama.engine.nativeapi;

/**
 * How to load a model.
 *
 * @param gpuLayers    layers to offload to a GPU; -1 = all, 0 = none (ignored by CPU builds)
 * @param useMmap      map the file instead of reading it into memory
 * @param vocabOnly    load only the tokenizer (no weights): enough for {@link Vocab}, not for a {@link Context}
 * @param checkTensors validate tensor data while loading (slower; finds NaNs and bad quantized blocks)
 * @param progress     called with the fraction loaded; return false to cancel the load; may be null
 */
public record ModelParams(int gpuLayers, boolean useMmap, boolean vocabOnly, boolean checkTensors, LoadProgress progress) {

    /** Called on the loading thread as the load advances. */
    @FunctionalInterface
    public interface LoadProgress {
        boolean onProgress(float fraction);
    }

    public static ModelParams defaults() {
        return new ModelParams(-1, true, false, false, null);
    }

    public ModelParams withGpuLayers(int layers) {
        return new ModelParams(layers, useMmap, vocabOnly, checkTensors, progress);
    }

    public ModelParams withVocabOnly(boolean only) {
        return new ModelParams(gpuLayers, useMmap, only, checkTensors, progress);
    }

    public ModelParams withProgress(LoadProgress listener) {
        return new ModelParams(gpuLayers, useMmap, vocabOnly, checkTensors, listener);
    }

    public ModelParams withMmap(boolean mmap) {
        return new ModelParams(gpuLayers, mmap, vocabOnly, checkTensors, progress);
    }
}
