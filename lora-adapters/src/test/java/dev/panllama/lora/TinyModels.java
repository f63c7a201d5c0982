package dev.panllama.lora;

import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.ModelSynthesizer;
import dev.panllama.engine.models.QuantType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The synthetic tiny llama in F32, made once per test JVM (a fraction of a second). */
final class TinyModels {
    private static Path tiny;

    private TinyModels() {}

    static synchronized Path tinyF32() {
        if (tiny == null) {
            try {
                Path dir = Files.createTempDirectory("panllama-lora-models");
                tiny = ModelSynthesizer.synthesize(ModelPreset.TINY, dir.resolve("tiny-f32.gguf"), QuantType.F32, 7);
                dir.toFile().deleteOnExit();
                tiny.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tiny;
    }
}
