package dev.panllama.engine.models;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.NativeLog;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_model_params;
import dev.panllama.engine.NativeCallException;
import dev.panllama.engine.models.SynthesisProgress.Phase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes GGUF models with real architecture shapes and real tokenizers but seeded random weights: right for
 * measuring speed and exercising mechanics, never for output quality.
 *
 * <p>How: the preset's hyper-parameters and the {@code tokenizer.*} keys of llama.cpp's vocab file go into a
 * {@code gguf_context}; {@code llama_model_init_from_user} builds the model from it and calls back for each
 * tensor's data; the tensors the real model has are written as an F32 GGUF (not with
 * {@code llama_model_save_to_file}, which would keep the optional tensors llama.cpp creates without a file, see
 * {@link Architecture}); {@code llama_model_quantize} converts that to the asked type.
 *
 * <p>Resources: llama.cpp holds every weight as F32 while they are generated, so memory peaks at
 * {@link ModelPreset#synthesisMemoryBytes()} (tiny: 17 MB, llama-3.2-1b: 5.6 GiB, llama-3.1-8b: 30 GiB).
 * Temporary files go next to the output (an F32 copy of the model, and the quantized file before it is moved
 * into place), so that directory needs room for both; they are deleted whether the synthesis succeeds or not.
 * The output appears only when complete. Everything runs on the calling thread.
 */
public final class ModelSynthesizer {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSynthesizer.class);

    private ModelSynthesizer() {}

    /** {@link #synthesize(ModelPreset, Path, QuantType, long, SynthesisProgress)} without progress reports. */
    public static Path synthesize(ModelPreset preset, Path output, QuantType type, long seed) {
        return synthesize(preset, output, type, seed, SynthesisProgress.NONE);
    }

    /**
     * Writes a synthetic model.
     *
     * @param preset   the shape and tokenizer
     * @param output   the .gguf file to write (replaced if it exists); its directory is created if missing
     * @param type     weight format
     * @param seed     the same seed gives a byte-identical file
     * @param progress receives progress on this thread; null for none
     * @return the absolute path written
     * @throws InvalidOutputPathException when output is a directory or its directory cannot be made or written
     * @throws VocabNotFoundException     when llama.cpp's tokenizer file is not in the cache
     * @throws NativeCallException        when llama.cpp refuses the model or a write fails
     */
    public static Path synthesize(ModelPreset preset, Path output, QuantType type, long seed, SynthesisProgress progress) {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(type, "type");
        Path target = checkOutput(Objects.requireNonNull(output, "output"));
        Path vocab = VocabFiles.find(preset.vocab());
        ProgressReporter reporter = new ProgressReporter(progress, type.quantized());
        reporter.report(Phase.TOKENIZER, 0);
        NativeLibrary.load();
        Path f32 = tempFile(target, ".f32");
        Path quantized = null;
        try {
            try (SynthesisMetadata metadata = SynthesisMetadata.create(preset, vocab, seed)) {
                reporter.report(Phase.TOKENIZER, 1);
                buildAndWrite(preset, metadata, seed, f32, reporter);
            }
            Path result = f32;
            if (type.quantized()) {
                reporter.report(Phase.QUANTIZING, 0);
                quantized = tempFile(target, "." + type.name().toLowerCase(Locale.ROOT));
                Quantizer.quantize(f32, quantized, type);
                result = quantized;
            }
            Files.move(result, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            reporter.report(Phase.DONE, 1);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("could not move the synthesized model to " + target, e);
        } finally {
            deleteQuietly(f32);
            deleteQuietly(quantized);
        }
    }

    /** Builds the model in llama.cpp, fills its weights, writes the tensors the real model has, frees it. */
    private static void buildAndWrite(ModelPreset preset, SynthesisMetadata metadata, long seed, Path f32,
                                      ProgressReporter reporter) {
        try (Arena call = Arena.ofConfined();
             WeightInitializer weights = new WeightInitializer(seed, preset.synthesisElements(),
                     fraction -> reporter.report(Phase.WEIGHTS, fraction))) {
            MemorySegment params = LlamaCpp.llama_model_default_params(call);
            llama_model_params.n_gpu_layers(params, 0); // host memory: the weights are only written out
            reporter.report(Phase.WEIGHTS, 0);
            NativeLog.takeErrors();
            MemorySegment model = LlamaCpp.llama_model_init_from_user(metadata.handle(), weights.callback(call),
                    MemorySegment.NULL, params);
            try {
                weights.rethrowFailure();
                if (model.equals(MemorySegment.NULL)) {
                    String detail = NativeLog.takeErrors();
                    throw new NativeCallException("llama.cpp could not build a " + preset.architecture().ggufName()
                            + " model for preset " + preset.name() + ": " + (detail == null ? "no detail logged" : detail));
                }
                reporter.report(Phase.WEIGHTS, 1);
                reporter.report(Phase.WRITING, 0);
                WeightFileWriter.write(metadata.handle(), carried(preset, weights.tensors()), f32);
                reporter.report(Phase.WRITING, 1);
            } finally {
                if (!model.equals(MemorySegment.NULL)) {
                    LlamaCpp.llama_model_free(model);
                }
            }
        }
    }

    /**
     * The tensors the real model has, each name once: llama.cpp makes per-layer copies of shared tensors such as
     * RoPE factors, and GGUF allows a name only once.
     */
    static List<WeightInitializer.Tensor> carried(ModelPreset preset, List<WeightInitializer.Tensor> created) {
        Set<String> seen = new HashSet<>();
        List<WeightInitializer.Tensor> kept = created.stream()
                .filter(t -> preset.carries(t.name()) && seen.add(t.name()))
                .toList();
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: llama.cpp created {} tensors, {} written; left out: {}", preset.name(), created.size(),
                    kept.size(), created.stream().filter(t -> !kept.contains(t)).map(WeightInitializer.Tensor::name).toList());
        }
        return kept;
    }

    private static Path checkOutput(Path output) {
        Path target = output.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) {
            throw new InvalidOutputPathException(target, "is a directory; give the path of the .gguf file to write");
        }
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InvalidOutputPathException(target, "cannot create its directory " + dir + " (" + e + ")", e);
        }
        if (!Files.isWritable(dir)) {
            throw new InvalidOutputPathException(target, "its directory " + dir + " is not writable");
        }
        return target;
    }

    /** A hidden temporary beside the target: same file system, so the final move is a rename. */
    private static Path tempFile(Path target, String suffix) {
        try {
            return Files.createTempFile(target.getParent(), "." + target.getFileName() + "-", suffix + ".part");
        } catch (IOException e) {
            throw new InvalidOutputPathException(target, "cannot create a temporary file beside it (" + e + ")", e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the primary outcome (result or exception) matters more than a leftover temp file
        }
    }
}
