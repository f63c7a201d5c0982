package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.convert.BertOnnxConverter;
import dev.panllama.engine.convert.ConversionException;
import dev.panllama.engine.convert.Pooling;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import dev.panllama.engine.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad pooling requests fail typed, before the engine sees them, and the engine keeps serving. */
class EncodeValidationTest {
    private static AsyncLLM llm;

    @BeforeAll
    static void start() {
        // one thread: ggml's spinning workers slow down badly when the test machine's cores are oversubscribed
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(EmbeddingTestModels.gguf(Reference.ALL_MINILM_L6_V2))
                .threads(1).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @Test
    void emptyInputIsRejected() {
        InvalidRequestException text = assertThrows(InvalidRequestException.class,
                () -> llm.encode(Prompt.text(""), PoolingParams.defaults(), "empty"));
        assertEquals("prompt", text.field());
        InvalidRequestException tokens = assertThrows(InvalidRequestException.class,
                () -> llm.encode(new Prompt.Tokens(List.of()), PoolingParams.defaults(), "empty-ids"));
        assertEquals("prompt_token_ids", tokens.field());
        assertStillServes();
    }

    @Test
    void inputOverTheContextIsRejectedUnlessTruncationIsAsked() {
        String longText = "word ".repeat(600);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> llm.encode(Prompt.text(longText), PoolingParams.defaults(), "long"));
        assertEquals("prompt", e.field());
        assertTrue(e.getMessage().contains("512"), e.getMessage());

        PoolingRequestOutput truncated = llm.encode(Prompt.text(longText), PoolingParams.defaults().withTruncatePromptTokens(-1), "trunc").get();
        assertEquals(512, truncated.promptTokenIds().size());
        assertEquals(101, truncated.promptTokenIds().getFirst(), "[CLS] kept");
        assertEquals(102, truncated.promptTokenIds().getLast(), "[SEP] kept");
        PoolingRequestOutput shorter = llm.encode(Prompt.text(longText), PoolingParams.defaults().withTruncatePromptTokens(16), "trunc16").get();
        assertEquals(16, shorter.promptTokenIds().size());
        assertEquals(384, shorter.embedding().length);

        assertThrows(InvalidRequestException.class, () -> PoolingParams.defaults().withTruncatePromptTokens(0));
        InvalidRequestException tooFar = assertThrows(InvalidRequestException.class,
                () -> llm.encode(Prompt.text("hi"), PoolingParams.defaults().withTruncatePromptTokens(513), "far"));
        assertEquals("truncate_prompt_tokens", tooFar.field());
    }

    @Test
    void tasksTheModelLacksAreRefusedByName() {
        UnsupportedTaskException score = assertThrows(UnsupportedTaskException.class,
                () -> llm.encode(Prompt.text("query"), PoolingParams.defaults().withTask(PoolingTask.SCORE), "score"));
        assertEquals("score", score.task());
        assertTrue(score.getMessage().contains("not supported by this model"), score.getMessage());
        assertThrows(UnsupportedTaskException.class,
                () -> llm.encode(Prompt.text("query"), PoolingParams.defaults().withTask(PoolingTask.CLASSIFY), "classify"));
        InvalidRequestException generate = assertThrows(InvalidRequestException.class,
                () -> llm.generate(Prompt.text("Once"), SamplingParams.defaults(), "gen"));
        assertTrue(generate.getMessage().contains("does not support generation"), generate.getMessage());
        assertStillServes();
    }

    @Test
    void encodeOnAGenerativeModelIsRefused() {
        try (AsyncLLM stories = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).build())) {
            assertEquals(Set.of("generate"), stories.getSupportedTasks());
            UnsupportedTaskException e = assertThrows(UnsupportedTaskException.class,
                    () -> stories.encode(Prompt.text("Once upon a time"), PoolingParams.defaults(), "enc"));
            assertTrue(e.getMessage().contains("not supported by this model"), e.getMessage());
            assertTrue(stories.isRunning());
        }
    }

    @Test
    void normalizeFalseReturnsTheRawPooledVector() {
        float[] raw = llm.encode(Prompt.text("A raw vector"), PoolingParams.defaults().withNormalize(false), "raw").get().embedding();
        float[] unit = llm.encode(Prompt.text("A raw vector"), PoolingParams.defaults(), "unit").get().embedding();
        double norm = EmbeddingParityTest.norm(raw);
        assertTrue(Math.abs(norm - 1) > 0.01, "mean pooling of MiniLM is not unit length: " + norm);
        float[] scaled = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            scaled[i] = (float) (raw[i] / norm);
        }
        assertArrayEquals(unit, scaled, 1e-5f);
    }

    @Test
    void tokenPromptsAndAbortByRequestId() {
        List<Integer> ids = llm.getTokenizer().encode("token prompt", true);
        PoolingRequestOutput byIds = llm.encode(new Prompt.Tokens(ids), PoolingParams.defaults(), "ids").get();
        assertEquals(ids, byIds.promptTokenIds());
        PoolingRequestOutput byText = llm.encode(Prompt.text("token prompt"), PoolingParams.defaults(), "text").get();
        assertArrayEquals(byText.embedding(), byIds.embedding(), 1e-6f);
        // an abort of an unknown or finished id is ignored
        llm.abort("ids", "never-submitted");
        assertStillServes();
    }

    @Test
    void concurrentRequestsShareDecodesAndAQueuedOneCanBeAborted() {
        long before = llm.encodeBatchesRun();
        String longText = "token ".repeat(300);
        List<PoolingRequestStream> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            streams.add(llm.encode(Prompt.text(longText), PoolingParams.defaults(), "long-" + i));
        }
        List<PoolingRequestStream> short_ = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            short_.add(llm.encode(Prompt.text("short sentence " + i), PoolingParams.defaults(), "short-" + i));
        }
        // the last long prompt waits behind five 302-token decodes (two would not fit one 512-token micro-batch):
        // aborting it now takes it out of the queue
        llm.abort("long-5");
        PoolingRequestOutput aborted = streams.getLast().get();
        assertTrue(aborted.finished());
        assertEquals(0, aborted.outputs().size(), "vLLM's rule: an aborted pooling request ends with an empty tensor");
        for (int i = 0; i < 5; i++) {
            assertEquals(384, streams.get(i).get().embedding().length);
        }
        short_.forEach(s -> assertEquals(384, s.get().embedding().length));
        long decodes = llm.encodeBatchesRun() - before;
        assertTrue(decodes < 5 + 24, "29 requests took " + decodes + " decodes: short prompts should share them");
    }

    @Test
    void encodeAfterShutdownIsEngineDead() {
        AsyncLLM other = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(EmbeddingTestModels.gguf(Reference.ALL_MINILM_L6_V2))
                .threads(1).build());
        PoolingRequestStream before = other.encode(Prompt.text("submitted before shutdown"), PoolingParams.defaults(), "before");
        other.shutdown();
        try {
            assertEquals(384, before.get().embedding().length, "a queued request is encoded before the engine stops");
        } catch (EngineDeadException e) {
            // or, if its batch had not started when the engine stopped, it ends with the engine's error
        }
        assertThrows(EngineDeadException.class, () -> other.encode(Prompt.text("too late"), PoolingParams.defaults(), "late"));
        assertStillServes();
    }

    @Test
    void converterRejectsFilesThatAreNotBertOnnx(@TempDir Path dir) {
        Path tokenizer = EmbeddingTestModels.tokenizer(Reference.ALL_MINILM_L6_V2);
        ConversionException notOnnx = assertThrows(ConversionException.class,
                () -> BertOnnxConverter.convert(TestModels.stories260K(), tokenizer, Pooling.MEAN, dir.resolve("x.gguf")));
        assertTrue(notOnnx.getMessage().contains("ONNX"), notOnnx.getMessage());
        ConversionException missing = assertThrows(ConversionException.class,
                () -> BertOnnxConverter.convert(dir.resolve("absent.onnx"), tokenizer, Pooling.MEAN, dir.resolve("x.gguf")));
        assertTrue(missing.getMessage().contains("absent.onnx"), missing.getMessage());
        ConversionException notTokenizer = assertThrows(ConversionException.class,
                () -> BertOnnxConverter.convert(EmbeddingTestModels.onnx(Reference.ALL_MINILM_L6_V2), TestModels.stories260K(),
                        Pooling.MEAN, dir.resolve("x.gguf")));
        assertTrue(notTokenizer.getMessage().contains("tokenizer"), notTokenizer.getMessage());
    }

    private static void assertStillServes() {
        PoolingRequestOutput out = llm.encode(Prompt.text("still alive"), PoolingParams.defaults(), "alive").get();
        assertEquals(384, out.embedding().length);
        assertTrue(llm.isRunning());
    }
}
