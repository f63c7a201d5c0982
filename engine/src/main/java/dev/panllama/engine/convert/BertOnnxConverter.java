package dev.panllama.engine.convert;

import dev.panllama.engine.gguf.GgufWriter;
import dev.panllama.engine.models.QuantType;
import dev.panllama.engine.models.Quantizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts a BERT sentence-embedding model exported to ONNX (FP32, weights embedded) plus its Hugging Face
 * {@code tokenizer.json} into a GGUF file that llama.cpp runs as architecture {@code bert}: non-causal attention,
 * the given pooling, F32 weights (or, through {@code llama_model_quantize}, F16 and the other {@link QuantType}s).
 * The output appears only when complete (written beside it, then renamed).
 */
public final class BertOnnxConverter {
    private static final Logger LOG = LoggerFactory.getLogger(BertOnnxConverter.class);

    private BertOnnxConverter() {}

    /** What was converted: the file and the shape read from the graph. */
    public record Result(Path output, int layers, int embeddingLength, int headCount, int vocabSize, Pooling pooling,
                         QuantType type) {}

    /** Converts with F32 weights, as the ONNX file holds them. */
    public static Result convert(Path onnx, Path tokenizerJson, Pooling pooling, Path output) {
        return convert(onnx, tokenizerJson, pooling, output, QuantType.F32);
    }

    /**
     * @throws ConversionException when the ONNX file is not a BERT encoder this converter knows, or the tokenizer is
     *                             not WordPiece; the message names the file and the problem
     */
    public static Result convert(Path onnx, Path tokenizerJson, Pooling pooling, Path output, QuantType type) {
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(type, "type");
        checkReadable(onnx, "ONNX model");
        checkReadable(tokenizerJson, "tokenizer.json");
        Path target = output.toAbsolutePath().normalize();
        OnnxGraph graph;
        try {
            graph = OnnxGraph.read(onnx);
        } catch (IOException e) {
            throw new ConversionException(onnx + ": not a readable ONNX model (" + e.getMessage() + ")", e);
        }
        BertTensorMap tensors = BertTensorMap.of(graph);
        BertHyperParams hp = BertHyperParams.of(graph, tensors);
        WordPieceVocab vocab = WordPieceVocab.read(tokenizerJson);
        if (vocab.tokens().size() != hp.vocabSize()) {
            throw new ConversionException(tokenizerJson + " has " + vocab.tokens().size() + " tokens but the model's"
                    + " embedding table has " + hp.vocabSize() + " rows: they do not belong together");
        }
        GgufWriter gguf = new GgufWriter();
        String arch = "bert";
        gguf.putString("general.architecture", arch);
        gguf.putString("general.name", baseName(onnx));
        gguf.putUint32("general.file_type", 0); // all F32
        gguf.putUint32(arch + ".context_length", hp.contextLength());
        gguf.putUint32(arch + ".embedding_length", hp.embeddingLength());
        gguf.putUint32(arch + ".block_count", hp.blockCount());
        gguf.putUint32(arch + ".feed_forward_length", hp.feedForwardLength());
        gguf.putUint32(arch + ".attention.head_count", hp.headCount());
        gguf.putFloat32(arch + ".attention.layer_norm_epsilon", hp.layerNormEpsilon());
        gguf.putBool(arch + ".attention.causal", false);
        gguf.putUint32(arch + ".pooling_type", pooling.ggufValue());
        vocab.writeTo(gguf, hp.tokenTypeCount());
        tensors.tensors().values().forEach(gguf::addTensor);
        write(gguf, target, type);
        LOG.info("converted {} ({} layers, n_embd {}, {} heads, eps {}, pooling {}, {}) to {}", onnx, hp.blockCount(),
                hp.embeddingLength(), hp.headCount(), hp.layerNormEpsilon(), pooling, type, target);
        return new Result(target, hp.blockCount(), hp.embeddingLength(), hp.headCount(), hp.vocabSize(), pooling, type);
    }

    /** Writes F32 beside the target, quantizes that when asked, then renames the result into place. */
    private static void write(GgufWriter gguf, Path target, QuantType type) {
        Path f32 = null;
        Path quantized = null;
        try {
            Files.createDirectories(target.getParent());
            f32 = Files.createTempFile(target.getParent(), "." + target.getFileName() + "-", ".f32.part");
            gguf.write(f32);
            Path result = f32;
            if (type.quantized()) {
                quantized = Files.createTempFile(target.getParent(), "." + target.getFileName() + "-", ".part");
                Quantizer.quantize(f32, quantized, type);
                result = quantized;
            }
            Files.move(result, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + target, e);
        } finally {
            deleteQuietly(f32);
            deleteQuietly(quantized);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the conversion's own outcome is what the caller needs to see
            }
        }
    }

    private static void checkReadable(Path file, String what) {
        if (file == null || !Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ConversionException(what + " " + file + " does not exist or is not a readable file");
        }
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
