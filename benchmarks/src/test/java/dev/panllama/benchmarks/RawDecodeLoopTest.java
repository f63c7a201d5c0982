package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import org.junit.jupiter.api.Test;

class RawDecodeLoopTest {

    @Test
    void decodesThroughTheBindingsAndReportsARate() {
        try (RawDecodeLoop loop = RawDecodeLoop.open(TestModels.stories260K(), 16, 1, false)) {
            double rate = loop.tokensPerSecond(2);
            assertTrue(rate > 0 && Double.isFinite(rate), "tokens/s: " + rate);
        }
    }

    @Test
    void noTokensToDecodeIsRefusedBeforeTheModelLoads() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RawDecodeLoop.open(TestModels.stories260K(), 0, 1, false));
        assertTrue(e.getMessage().contains("at least one token"), e.getMessage());
    }
}
