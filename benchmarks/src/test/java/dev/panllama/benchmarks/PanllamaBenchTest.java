package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class PanllamaBenchTest {

    @Test
    void aPinnedViewLeavesTheWorkloadAllOfItsCellsEvenForOneStream() throws InterruptedException {
        // one stream: the workload's cells are exactly one request of max_model_len, so the pin needs a cell beyond them
        Workload w = new Workload("stories260K", 8, 4, 6, List.of(1));
        try (PanllamaBench bench = PanllamaBench.forConcurrency(TestModels.stories260K(), w, 1, false, null,
                new KvLayout(true, false))) {
            double rate = bench.concurrentDecode(1, w.promptTokens(), w.generatedTokens());
            assertTrue(rate > 0 && Double.isFinite(rate), "tokens/s: " + rate);
        }
    }
}
