package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchPresetTest {

    @Test
    void presetsAreFoundByNameAndUnknownNamesListTheKnownOnes() {
        assertEquals(BenchPreset.CPU_QUICK, BenchPreset.byName(" CPU-Quick "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchPreset.byName("gpu-huge"));
        assertTrue(e.getMessage().contains("cpu-quick") && e.getMessage().contains("cpu-full"), e.getMessage());
    }

    @Test
    void cpuQuickMeasuresBothModelsAtOneToSixteenStreams() {
        assertEquals(List.of(BenchModels.STORIES_260K, BenchModels.LLAMA_3_2_1B_Q4_0),
                BenchPreset.CPU_QUICK.workloads().stream().map(Workload::model).toList());
        BenchPreset.CPU_QUICK.workloads().forEach(w -> assertEquals(List.of(1, 4, 8, 16), w.concurrency()));
        assertTrue(BenchPreset.CPU_QUICK.repetitions() >= 3);
    }

    @Test
    void workloadSizesTheKvCacheForEveryStreamAndTheBatchForEveryPrompt() {
        Workload w = new Workload("m", 256, 32, 64, List.of(1, 16));
        assertEquals(16 * (32 + 64), w.contextTokens());
        assertEquals(512, w.batchTokens());
        assertEquals(16 * 64, new Workload("m", 8, 64, 8, List.of(16)).batchTokens());
        assertEquals(512, w.microBatchTokens());
        assertEquals(512, new Workload("m", 8, 64, 8, List.of(16)).microBatchTokens());
        assertEquals("1,16", w.concurrencyList());
    }

    @Test
    void streamsOverrideKeepsEverythingElse() {
        BenchPreset gpu = BenchPreset.byName("gpu").withConcurrency(java.util.List.of(1, 32));
        for (Workload w : gpu.workloads()) {
            assertEquals(java.util.List.of(1, 32), w.concurrency());
            assertEquals(128, w.promptTokens());
            assertEquals(32 * (128 + 128), w.contextTokens());
        }
        assertEquals(BenchPreset.byName("gpu").workloads().size(), gpu.workloads().size());
    }

    @Test
    void invalidWorkloadsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Workload("m", 1, 1, 3, List.of(1)));
        assertThrows(IllegalArgumentException.class, () -> new Workload("m", 8, 1, 3, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Workload("m", 8, 1, 3, List.of(0)));
        assertThrows(IllegalArgumentException.class, () -> BenchPreset.CPU_QUICK.withRepetitions(0));
    }
}
