package dev.panllama.engine.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.testing.TestModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelInfoTest {

    @Test
    void stories260KReportsItsKnownShape() {
        ModelInfo info = ModelInfo.read(TestModels.stories260K());
        assertEquals("llama", info.architecture());
        assertEquals(512, info.vocabSize());
        assertEquals(5, info.layers());
        assertEquals(64, info.embeddingLength());
        assertEquals(8, info.headCount());
        assertEquals(4, info.headCountKv());
        assertEquals("llama", info.tokenizerModel());
        assertTrue(info.parameterCount() > 200_000 && info.parameterCount() < 400_000, "params " + info.parameterCount());
        assertEquals(GgufFile.read(TestModels.stories260K()).tensors().size(),
                info.tensorTypes().values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(info.tensorTypes().containsKey("F32"), info.tensorTypes().toString());
    }

    @Test
    void renderAndMapCarryTheSameFacts() {
        ModelInfo info = ModelInfo.read(TestModels.stories260K());
        String text = info.render();
        assertTrue(text.contains("architecture:") && text.contains("llama"), text);
        assertTrue(text.contains("vocab:") && text.contains("512"), text);
        assertTrue(text.contains("tensors:") && text.contains(info.tensorTypeSummary()), text);
        assertEquals(11, text.lines().count(), text);

        Map<String, Object> map = info.toMap();
        assertEquals(512L, map.get("vocabSize"));
        assertEquals(5L, map.get("layers"));
        assertEquals(info.fileSize(), map.get("fileSize"));
        assertEquals(info.tensorTypes(), map.get("tensorTypes"));
    }
}
