package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import org.junit.jupiter.api.Test;

class GenerateCommandIT {

    @Test
    void generatePrintsAStoryFromTheDefaultModel() {
        TestModels.stories260K(); // seeds the model cache that the default model comes from
        CommandRun run = CommandRun.of("generate", "--seed", "7", "-n", "64", "Once upon a time");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("Once upon a time"), run.out());
        assertTrue(run.out().split("\\s+").length > 25, "expected a story: " + run.out());
    }

    @Test
    void sameSeedSameStoryDifferentSeedDifferentStory() {
        String model = TestModels.stories260K().toString();
        String a = CommandRun.of("generate", "-m", model, "--seed", "1", "-n", "40", "--no-echo").out();
        String b = CommandRun.of("generate", "-m", model, "--seed", "1", "-n", "40", "--no-echo").out();
        String c = CommandRun.of("generate", "-m", model, "--seed", "2", "-n", "40", "--no-echo").out();
        assertEquals(a, b);
        assertTrue(!a.equals(c), "seeds 1 and 2 gave the same text: " + a);
    }

    @Test
    void badModelPathIsAOneLineErrorNotACrash() {
        CommandRun run = CommandRun.of("generate", "-m", "/nonexistent/model.gguf");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("/nonexistent/model.gguf: no such file"), run.err());
        CommandRun after = CommandRun.of("generate", "-m", TestModels.stories260K().toString(), "-n", "4");
        assertEquals(0, after.exitCode(), "the JVM and the natives still work: " + after.err());
    }
}
