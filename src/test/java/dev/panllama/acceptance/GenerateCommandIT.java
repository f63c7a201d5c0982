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
    void aSizedKvCacheWithItsViewPinnedWritesTheSameStory() {
        String model = TestModels.stories260K().toString();
        String plain = CommandRun.of("generate", "-m", model, "--seed", "3", "-n", "40", "--no-echo", "--max-model-len", "256")
                .out();
        CommandRun pinned = CommandRun.of("generate", "-m", model, "--seed", "3", "-n", "40", "--no-echo", "--max-model-len",
                "256", "--kv-cache-tokens", "512", "--pin-kv-view");
        assertEquals(0, pinned.exitCode(), pinned.err());
        assertEquals(plain, pinned.out());

        CommandRun tooSmall = CommandRun.of("generate", "-m", model, "-n", "4", "--max-model-len", "256", "--kv-cache-tokens", "64");
        assertEquals(1, tooSmall.exitCode());
        assertTrue(tooSmall.err().contains("KV cache (64 tokens)") && tooSmall.err().contains("max_model_len 256"),
                tooSmall.err());
        // the pinned view's cell is no request's: a cache of exactly max_model_len cells is one short
        CommandRun oneShort = CommandRun.of("generate", "-m", model, "-n", "4", "--max-model-len", "256", "--kv-cache-tokens",
                "256", "--pin-kv-view");
        assertEquals(1, oneShort.exitCode());
        assertTrue(oneShort.err().contains("the pinned view's cell"), oneShort.err());
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
