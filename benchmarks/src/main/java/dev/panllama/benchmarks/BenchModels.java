package dev.panllama.benchmarks;

import dev.panllama.bindings.CacheLocation;
import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.ModelResolver;
import dev.panllama.engine.models.ModelSynthesizer;
import dev.panllama.engine.models.QuantType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models benchmarks run on, by name: the real stories260K and synthetic models made by
 * {@link ModelSynthesizer}, cached outside the repository and reused once written.
 */
public final class BenchModels {
    private static final Logger LOG = LoggerFactory.getLogger(BenchModels.class);

    public static final String STORIES_260K = "stories260K";
    public static final String LLAMA_3_2_1B_Q4_0 = "llama-3.2-1b-q4_0";
    public static final String LLAMA_3_1_8B_Q4_K_M = "llama-3.1-8b-q4_k_m";
    /** Synthetic weights are random; a fixed seed makes every machine measure the same file. */
    static final long SYNTHESIS_SEED = 0;

    private BenchModels() {}

    public static List<String> names() {
        return List.of(STORIES_260K, LLAMA_3_2_1B_Q4_0, LLAMA_3_1_8B_Q4_K_M);
    }

    /** A name of {@link #names()} as {@link #resolve} finds it, else a GGUF path or name as {@link ModelResolver} finds it. */
    public static Path resolveNameOrPath(String model) {
        return names().contains(model) ? resolve(model, RepoLayout.locate()) : ModelResolver.resolve(model);
    }

    /** The model's file, seeding or synthesizing it into the cache first when needed. */
    public static Path resolve(String name, RepoLayout repo) {
        return switch (name) {
            case STORIES_260K -> stories260K(repo);
            case LLAMA_3_2_1B_Q4_0 -> synthetic(ModelPreset.LLAMA_3_2_1B, QuantType.Q4_0);
            case LLAMA_3_1_8B_Q4_K_M -> synthetic(ModelPreset.LLAMA_3_1_8B, QuantType.Q4_K_M);
            default -> throw new IllegalArgumentException("unknown benchmark model '" + name + "'; known: " + names());
        };
    }

    /** stories260K from a {@code shared/models} directory beside the checkout when there is one, so nothing downloads. */
    private static Path stories260K(RepoLayout repo) {
        for (Path dir = repo.root(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("models").resolve(ModelResolver.DEFAULT_FILE);
            if (Files.isRegularFile(candidate)) {
                return ModelResolver.seedDefaultModel(candidate);
            }
        }
        return ModelResolver.defaultModel();
    }

    static Path synthetic(ModelPreset preset, QuantType type) {
        Path file = CacheLocation.models().resolve("synthetic")
                .resolve(preset.name() + "-" + type.name() + "-seed" + SYNTHESIS_SEED + ".gguf");
        if (Files.isRegularFile(file)) {
            return file;
        }
        LOG.info("synthesizing {} {} into {} (once; later runs reuse it)", preset.name(), type, file);
        return ModelSynthesizer.synthesize(preset, file, type, SYNTHESIS_SEED);
    }
}
