package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** panllama bench latency through the command line: the engine's rate, its step anatomy, and the raw decode loop. */
class BenchLatencyIT {
    private static final Pattern RATE = Pattern.compile("(single-stream decode|raw decode loop, no engine): ([0-9.]+) tok/s");

    @Test
    void printsTheEngineRateItsStepAnatomyAndTheRawLoopRate() {
        CommandRun run = CommandRun.of("bench", "latency", "-m", TestModels.stories260K().toString(), "-n", "32",
                "--repetitions", "1", "-t", "1", "--raw");
        assertEquals(0, run.exitCode(), run.err());
        Matcher rates = RATE.matcher(run.out());
        int found = 0;
        while (rates.find()) {
            assertTrue(Double.parseDouble(rates.group(2)) > 0, run.out());
            found++;
        }
        assertEquals(2, found, "the engine's rate and the raw loop's: " + run.out());
        // a single stream decodes the same shape every step: llama.cpp reuses its graph
        assertTrue(run.out().contains("100% on a reused graph"), run.out());
    }
}
