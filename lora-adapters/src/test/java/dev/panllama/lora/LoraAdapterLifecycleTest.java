package dev.panllama.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.NativeCallException;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.LoraAdapter;
import dev.panllama.engine.nativeapi.Model;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native adapter wrapper: llama.cpp's refusals as typed errors, and closing in any order without a crash. */
class LoraAdapterLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void llamaCppRefusingAFileIsATypedError() {
        try (Model model = Model.load(TinyModels.tinyF32())) {
            NativeCallException e = assertThrows(NativeCallException.class, () -> LoraAdapter.load(model, TinyModels.tinyF32()));
            assertTrue(e.getMessage().contains("general.type"), e.getMessage());
        }
    }

    @Test
    void anAdapterClosedWhileAppliedLeavesTheContextWithoutIt() {
        Path file = LoraSynthesizer.synthesize(TinyModels.tinyF32(), dir.resolve("a.gguf"), LoraSynthesizer.Options.defaults()).path();
        try (Model model = Model.load(TinyModels.tinyF32());
             Context context = Context.create(model, ContextParams.defaults().withContextLength(64).withThreads(2));
             Batch batch = new Batch(4, 1)) {
            LoraAdapter adapter = LoraAdapter.load(model, file);
            context.setLoraAdapters(List.of(adapter), new float[] {1f});
            assertEquals(List.of(adapter), context.loraAdapters());
            assertTrue(adapter.metadata().containsKey("adapter.lora.alpha"), adapter.metadata().toString());
            adapter.close();
            adapter.close();
            assertFalse(adapter.isOpen());
            assertEquals(List.of(), context.loraAdapters());
            batch.add(1, 0, 0, true);
            assertTrue(context.decode(batch), "decoding after the adapter went is safe");
            assertThrows(IllegalArgumentException.class, () -> context.setLoraAdapters(List.of(adapter), new float[] {1f}));
            LoraAdapter other = LoraAdapter.load(model, file);
            assertThrows(IllegalArgumentException.class, () -> context.setLoraAdapters(List.of(other), new float[] {Float.NaN}));
            context.setLoraAdapters(List.of(other), new float[] {0.5f});
        }
    }

    @Test
    void closingTheModelFreesItsAdaptersOnce() {
        Path file = LoraSynthesizer.synthesize(TinyModels.tinyF32(), dir.resolve("b.gguf"), LoraSynthesizer.Options.defaults()).path();
        Model model = Model.load(TinyModels.tinyF32());
        Context context = Context.create(model, ContextParams.defaults().withContextLength(64).withThreads(2));
        LoraAdapter adapter = LoraAdapter.load(model, file);
        context.setLoraAdapters(List.of(adapter), new float[] {1f});
        model.close();
        assertFalse(adapter.isOpen());
        assertFalse(context.isOpen());
        adapter.close();
        assertThrows(IllegalStateException.class, () -> LoraAdapter.load(model, file));
    }
}
