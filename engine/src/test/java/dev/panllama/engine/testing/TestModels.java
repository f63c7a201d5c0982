package dev.panllama.engine.testing;

import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.ModelResolver;
import dev.panllama.engine.models.ModelSynthesizer;
import dev.panllama.engine.models.QuantType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Models for tests: the real stories260K from ../shared/models (seeded into the model cache) and friends. */
public final class TestModels {
    private static Path stories;
    private static Path tiny;

    private TestModels() {}

    /** stories260K: vocab 512, 5 layers, n_embd 64. Seeds the cache from ../shared/models so nothing downloads. */
    public static synchronized Path stories260K() {
        if (stories == null) {
            Path shared = sharedModels().resolve(ModelResolver.DEFAULT_FILE);
            stories = Files.isRegularFile(shared) ? ModelResolver.seedDefaultModel(shared) : ModelResolver.defaultModel();
        }
        return stories;
    }

    /**
     * The synthetic {@code tiny} preset (random weights, Llama 2 tokenizer, 512-token context) in F16, made once
     * per JVM in a temporary directory: it takes a fraction of a second and nothing is downloaded.
     */
    public static synchronized Path tinySynthetic() {
        if (tiny == null) {
            try {
                Path dir = Files.createTempDirectory("panllama-tiny");
                Path file = ModelSynthesizer.synthesize(ModelPreset.TINY, dir.resolve("tiny-f16.gguf"), QuantType.F16, 42);
                file.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                tiny = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tiny;
    }

    /** {@code shared/models} beside the repository, found from the module directory Surefire runs in. */
    public static Path sharedModels() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("models");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            candidate = dir.resolve("shared").resolve("models");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/models directory above " + Path.of("").toAbsolutePath());
    }
}
