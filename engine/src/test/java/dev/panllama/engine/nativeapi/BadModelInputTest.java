package dev.panllama.engine.nativeapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.bindings.CacheLocation;
import dev.panllama.bindings.LlamaPin;
import dev.panllama.engine.InvalidModelFileException;
import dev.panllama.engine.InvalidModelFileException.Reason;
import dev.panllama.engine.UnsupportedModelException;
import dev.panllama.engine.testing.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad model file is a typed exception with a clear message, and the JVM and natives work afterwards. */
class BadModelInputTest {
    @TempDir
    Path dir;

    @AfterEach
    void nativesStillWork() {
        try (Model model = Model.load(TestModels.stories260K());
             Context context = Context.create(model, ContextParams.defaults().withContextLength(32));
             Batch batch = new Batch(4, 1)) {
            batch.add(model.vocab().bos(), 0, 0, true);
            assertTrue(context.decode(batch));
        }
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.gguf");
        InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> Model.load(missing));
        assertEquals(Reason.MISSING, e.reason());
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void directoryInsteadOfFile() {
        InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> Model.load(dir));
        assertEquals(Reason.DIRECTORY, e.reason());
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void fileThatIsNotGguf() throws IOException {
        Path text = Files.writeString(dir.resolve("readme.gguf"), "this is not a model, just some text\n");
        InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> Model.load(text));
        assertEquals(Reason.NOT_GGUF, e.reason());
        assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());

        Path tiny = Files.write(dir.resolve("two-bytes.gguf"), new byte[] {'G', 'G'});
        assertEquals(Reason.NOT_GGUF, assertThrows(InvalidModelFileException.class, () -> Model.load(tiny)).reason());
        Path empty = Files.write(dir.resolve("empty.gguf"), new byte[0]);
        assertEquals(Reason.NOT_GGUF, assertThrows(InvalidModelFileException.class, () -> Model.load(empty)).reason());
    }

    @Test
    void truncatedGgufAtEveryStage() throws IOException {
        byte[] whole = Files.readAllBytes(TestModels.stories260K());
        // inside the header, inside the metadata, inside the tensor directory, and inside the tensor data
        for (int length : new int[] {10, 200, 20_000, whole.length / 2, whole.length - 1}) {
            Path cut = Files.write(dir.resolve("cut-" + length + ".gguf"), Arrays.copyOf(whole, length));
            InvalidModelFileException e = assertThrows(InvalidModelFileException.class, () -> Model.load(cut),
                    "cut at " + length);
            assertEquals(Reason.TRUNCATED, e.reason(), "cut at " + length + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void unknownArchitecture() throws IOException {
        byte[] bytes = Files.readAllBytes(TestModels.stories260K());
        // rename the architecture in place (same length): "llama" -> "zzama"
        byte[] key = "general.architecture".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(bytes, key);
        assertTrue(at > 0);
        int value = at + key.length + 4 + 8; // type tag, then the string's length
        assertEquals("llama", new String(bytes, value, 5, StandardCharsets.US_ASCII));
        bytes[value] = 'z';
        bytes[value + 1] = 'z';
        Path renamed = Files.write(dir.resolve("zzama.gguf"), bytes);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Model.load(renamed));
        assertTrue(e.getMessage().contains("unknown model architecture 'zzama'"), e.getMessage());
    }

    @Test
    void vocabOnlyGgufUsedForGeneration() {
        // llama.cpp ships its tokenizers as GGUF files with metadata and no tensors
        Path vocabOnly = CacheLocation.root().resolve("src/llama.cpp-" + LlamaPin.current().version())
                .resolve("models/ggml-vocab-llama-spm.gguf");
        assertTrue(Files.isRegularFile(vocabOnly), "native-build/build-natives.sh fetches the pinned source: " + vocabOnly);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Model.load(vocabOnly));
        assertTrue(e.getMessage().contains("vocab-only GGUF (no tensors)"), e.getMessage());

        try (Model tokenizer = Model.load(vocabOnly, ModelParams.defaults().withVocabOnly(true))) {
            assertEquals(32000, tokenizer.vocab().tokenCount(), "a vocab-only load still tokenizes");
            assertTrue(tokenizer.vocab().tokenize("Hello world", true, false).length >= 3);
            e = assertThrows(UnsupportedModelException.class, () -> Context.create(tokenizer, ContextParams.defaults()));
            assertTrue(e.getMessage().contains("vocab-only"), e.getMessage());
            assertThrows(UnsupportedModelException.class, () -> tokenizer.saveTo(dir.resolve("x.gguf")));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
