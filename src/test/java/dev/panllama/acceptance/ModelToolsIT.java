package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** panllama model synth → model info → generate, through the command line. */
class ModelToolsIT {
    @TempDir
    Path dir;

    @Test
    void synthesizeInspectAndGenerateWithATinyQuantizedModel() throws Exception {
        Path model = dir.resolve("tiny-q8.gguf");
        CommandRun synth = CommandRun.of("model", "synth", "--preset", "tiny", "--type", "Q8_0", "-o", model.toString());
        assertEquals(0, synth.exitCode(), synth.err());
        assertTrue(Files.size(model) < 10_000_000);
        assertTrue(synth.out().contains("llama"), synth.out());

        CommandRun info = CommandRun.of("model", "info", "--json", model.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("\"vocab_size\" : 32000") || info.out().contains("32000"), info.out());
        assertTrue(info.out().toLowerCase().contains("q8_0"), info.out());

        CommandRun generate = CommandRun.of("generate", "-m", model.toString(), "-n", "8", "--ignore-eos", "--seed", "3", "Hello");
        assertEquals(0, generate.exitCode(), generate.err());
        assertTrue(generate.out().startsWith("Hello"), generate.out());
    }

    @Test
    void infoOfStories260K() {
        CommandRun info = CommandRun.of("model", "info", TestModels.stories260K().toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("512"), info.out());
    }

    @Test
    void badInputsAreOneLineErrors() {
        CommandRun unknown = CommandRun.of("model", "synth", "--preset", "nope", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("nope") && unknown.err().contains("tiny"), unknown.err());
        CommandRun directory = CommandRun.of("model", "info", dir.toString());
        assertEquals(1, directory.exitCode());
        assertTrue(directory.err().contains("is a directory"), directory.err());
    }
}
