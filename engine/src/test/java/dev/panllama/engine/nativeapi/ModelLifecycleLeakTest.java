package dev.panllama.engine.nativeapi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Loading and closing a model and its context many times returns every native byte. */
class ModelLifecycleLeakTest {

    @Test
    void fiftyLoadCloseCyclesKeepRssFlat() throws IOException {
        Path model = TestModels.stories260K();
        // warm up: first loads map code, grow heaps and allocator arenas that are then reused
        cycles(model, 10);
        long before = settledRssKb();
        cycles(model, 50);
        long after = settledRssKb();
        double growth = (after - before) / (double) before;
        assertTrue(growth < 0.10, "RSS grew " + Math.round(growth * 100) + "% (" + before + " kB -> " + after + " kB)");
    }

    private static void cycles(Path path, int count) {
        for (int i = 0; i < count; i++) {
            try (Model model = Model.load(path);
                 Context context = Context.create(model, ContextParams.defaults().withContextLength(256));
                 Batch batch = new Batch(8, 1);
                 SamplerChain sampler = SamplerChain.builder().temperature(0.8f).topK(40).seed(i).build()) {
                batch.add(model.vocab().bos(), 0, 0, true);
                context.decode(batch);
                sampler.sample(context, 0);
            }
        }
    }

    private static long settledRssKb() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
