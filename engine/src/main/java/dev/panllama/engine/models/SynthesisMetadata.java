package dev.panllama.engine.models;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.gguf_init_params;
import dev.panllama.engine.NativeCallException;
import dev.panllama.engine.UnsupportedModelException;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.nativeapi.CString;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code gguf_context} a synthetic model is built from and written with: a preset's hyper-parameters under
 * llama.cpp's key names, and every {@code tokenizer.*} key of a llama.cpp vocab file. Closing frees it.
 */
final class SynthesisMetadata implements AutoCloseable {
    private static final String TOKENIZER_PREFIX = "tokenizer.";

    private final MemorySegment handle;
    private boolean closed;

    private SynthesisMetadata(MemorySegment handle) {
        this.handle = handle;
    }

    /** Builds the metadata; the natives must be loaded. */
    static SynthesisMetadata create(ModelPreset preset, Path vocabFile, long seed) {
        checkVocab(preset, vocabFile);
        MemorySegment meta = LlamaCpp.gguf_init_empty();
        if (meta.equals(MemorySegment.NULL)) {
            throw new NativeCallException("gguf_init_empty returned NULL (out of memory?)");
        }
        SynthesisMetadata metadata = new SynthesisMetadata(meta);
        try {
            metadata.copyTokenizer(vocabFile);
            metadata.putHyperParameters(preset, seed);
            return metadata;
        } catch (RuntimeException e) {
            metadata.close();
            throw e;
        }
    }

    /** The Java reader vets the file before gguf's own parser sees it, and the token count must match the preset. */
    private static void checkVocab(ModelPreset preset, Path vocabFile) {
        long tokens = GgufFile.read(vocabFile).arrayLength("tokenizer.ggml.tokens");
        if (tokens != preset.vocabSize()) {
            throw new UnsupportedModelException(vocabFile + " has " + tokens + " tokens but preset " + preset.name()
                    + " expects " + preset.vocabSize() + " (tokenizer '" + preset.vocab() + "')");
        }
    }

    MemorySegment handle() {
        return handle;
    }

    private void copyTokenizer(Path vocabFile) {
        MemorySegment vocab;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment params = call.allocate(gguf_init_params.layout());
            gguf_init_params.no_alloc(params, true);
            gguf_init_params.ctx(params, MemorySegment.NULL);
            vocab = LlamaCpp.gguf_init_from_file(call.allocateFrom(vocabFile.toString()), params);
        }
        if (vocab.equals(MemorySegment.NULL)) {
            throw new NativeCallException("llama.cpp's gguf reader could not read tokenizer file " + vocabFile);
        }
        try {
            LlamaCpp.gguf_set_kv(handle, vocab);
        } finally {
            LlamaCpp.gguf_free(vocab);
        }
        // the vocab files also describe the model they came from (block count, file type): only the tokenizer stays
        try (Arena call = Arena.ofConfined()) {
            for (String key : keys()) {
                if (!key.startsWith(TOKENIZER_PREFIX)) {
                    LlamaCpp.gguf_remove_key(handle, call.allocateFrom(key));
                }
            }
        }
    }

    private List<String> keys() {
        long count = LlamaCpp.gguf_get_n_kv(handle);
        List<String> keys = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            keys.add(CString.read(LlamaCpp.gguf_get_key(handle, i)));
        }
        return keys;
    }

    private void putHyperParameters(ModelPreset p, long seed) {
        Architecture arch = p.architecture();
        String a = arch.ggufName() + ".";
        try (Arena call = Arena.ofConfined()) {
            putString(call, "general.architecture", arch.ggufName());
            putString(call, "general.name", "synthetic " + p.name());
            putString(call, "general.description", "random weights (seed " + seed + ") in the shape of " + p.description()
                    + "; for speed and mechanics, not output quality");
            putU32(call, a + "vocab_size", p.vocabSize());
            putU32(call, a + "context_length", p.contextLength());
            putU32(call, a + "embedding_length", p.embeddingLength());
            putU32(call, a + "block_count", p.blockCount());
            putU32(call, a + "feed_forward_length", p.feedForwardLength());
            putU32(call, a + "attention.head_count", p.headCount());
            putU32(call, a + "attention.head_count_kv", p.headCountKv());
            if (arch.rope()) {
                putF32(call, a + "rope.freq_base", p.ropeFreqBase());
            }
            putF32(call, a + (arch.rmsNorm() ? "attention.layer_norm_rms_epsilon" : "attention.layer_norm_epsilon"),
                    p.normEpsilon());
            if (p.pooling() != ModelPreset.Pooling.NONE) {
                putU32(call, a + "pooling_type", p.pooling().llamaValue());
            }
            if (!p.causal()) {
                LlamaCpp.gguf_set_val_bool(handle, call.allocateFrom(a + "attention.causal"), false);
            }
        }
    }

    private void putString(Arena call, String key, String value) {
        LlamaCpp.gguf_set_val_str(handle, call.allocateFrom(key), call.allocateFrom(value));
    }

    private void putU32(Arena call, String key, int value) {
        LlamaCpp.gguf_set_val_u32(handle, call.allocateFrom(key), value);
    }

    private void putF32(Arena call, String key, float value) {
        LlamaCpp.gguf_set_val_f32(handle, call.allocateFrom(key), value);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LlamaCpp.gguf_free(handle);
        }
    }
}
