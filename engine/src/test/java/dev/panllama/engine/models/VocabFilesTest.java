package dev.panllama.engine.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class VocabFilesTest {

    @Test
    void everyPresetFindsItsTokenizer() {
        for (ModelPreset preset : ModelPreset.all()) {
            assertTrue(Files.isRegularFile(VocabFiles.find(preset.vocab())), preset.name());
        }
        assertTrue(VocabFiles.available().contains("llama-spm"), VocabFiles.available().toString());
    }

    @Test
    void aMissingTokenizerSaysHowToGetIt() {
        VocabNotFoundException e = assertThrows(VocabNotFoundException.class, () -> VocabFiles.find("no-such-vocab"));
        assertEquals("no-such-vocab", e.vocab());
        assertTrue(e.getMessage().contains("native-build/build-natives.sh"), e.getMessage());
        assertTrue(e.expected().endsWith("ggml-vocab-no-such-vocab.gguf"), e.expected().toString());
    }

    @Test
    void namesThatCouldLeaveTheDirectoryAreRefused() {
        assertThrows(UnknownNameException.class, () -> VocabFiles.find("../../etc/passwd"));
    }
}
