package dev.panllama.engine.testing;

import dev.panllama.engine.convert.BertOnnxConverter;
import dev.panllama.engine.convert.Pooling;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Map;

/**
 * The reference sentence-embedding models, converted to GGUF once per JVM from the ONNX files and tokenizers that
 * LangChain4j's model artifacts carry as classpath resources (test-scoped dependencies).
 */
public final class EmbeddingTestModels {
    /** A LangChain4j embedding artifact's resources and the pooling its model card prescribes. */
    public enum Reference {
        ALL_MINILM_L6_V2("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", Pooling.MEAN),
        BGE_SMALL_EN_V15("bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", Pooling.CLS);

        private final String onnx;
        private final String tokenizer;
        private final Pooling pooling;

        Reference(String onnx, String tokenizer, Pooling pooling) {
            this.onnx = onnx;
            this.tokenizer = tokenizer;
            this.pooling = pooling;
        }

        public Pooling pooling() {
            return pooling;
        }
    }

    private static final Map<Reference, Path> CONVERTED = new EnumMap<>(Reference.class);
    private static Path workDir;

    private EmbeddingTestModels() {}

    /** The converted GGUF of a reference model (converted on first use in this JVM). */
    public static synchronized Path gguf(Reference model) {
        Path converted = CONVERTED.get(model);
        if (converted == null) {
            Path dir = workDir();
            converted = BertOnnxConverter.convert(onnx(model), tokenizer(model), model.pooling,
                    dir.resolve(model.name().toLowerCase() + ".gguf")).output();
            CONVERTED.put(model, converted);
        }
        return converted;
    }

    /** The model's ONNX file, copied out of its jar. */
    public static synchronized Path onnx(Reference model) {
        return extract(model.onnx);
    }

    /** The model's tokenizer.json, copied out of its jar. */
    public static synchronized Path tokenizer(Reference model) {
        return extract(model.tokenizer);
    }

    private static Path extract(String resource) {
        Path target = workDir().resolve(resource);
        if (Files.isRegularFile(target)) {
            return target;
        }
        try (InputStream in = EmbeddingTestModels.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath (LangChain4j embedding artifact missing)");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path workDir() {
        if (workDir == null) {
            try {
                workDir = Files.createTempDirectory("panllama-embedding-models");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(workDir)));
        }
        return workDir;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
