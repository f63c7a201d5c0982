package dev.panllama.engine;

import static dev.panllama.engine.EmbeddingParityTest.cosine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.panllama.engine.nativeapi.PoolingType;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import dev.panllama.engine.testing.SentenceCorpus;
import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An embedding model run with another pooling than its file declares, checked against ONNX Runtime pooling the same way. */
class PoolingOverrideTest {
    private static final int SENTENCES = 40;

    private static List<float[]> embed(PoolingType pooling, List<String> sentences) {
        EngineArgs args = EngineArgs.builder().model(EmbeddingTestModels.gguf(Reference.ALL_MINILM_L6_V2)).maxNumSeqs(16)
                .threads(1).poolingType(pooling).build();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args)) {
            List<PoolingRequestStream> streams = new ArrayList<>();
            for (int i = 0; i < sentences.size(); i++) {
                streams.add(llm.encode(Prompt.text(sentences.get(i)), PoolingParams.defaults(), "s" + i));
            }
            List<float[]> out = new ArrayList<>();
            for (PoolingRequestStream stream : streams) {
                out.add(stream.next().embedding());
            }
            return out;
        }
    }

    @Test
    void clsPoolingOnAMeanPooledModelMatchesOnnxRuntimeWithClsPooling() {
        List<String> sentences = SentenceCorpus.sentences(SENTENCES);
        List<float[]> cls = embed(PoolingType.CLS, sentences);
        List<float[]> mean = embed(null, sentences);
        var reference = new OnnxEmbeddingModel(EmbeddingTestModels.onnx(Reference.ALL_MINILM_L6_V2),
                EmbeddingTestModels.tokenizer(Reference.ALL_MINILM_L6_V2), PoolingMode.CLS, Runnable::run);
        List<float[]> expected = reference.embedAll(sentences.stream().map(TextSegment::from).toList()).content().stream()
                .map(e -> e.vector()).toList();
        double worst = 1;
        double closestToMean = -1;
        for (int i = 0; i < sentences.size(); i++) {
            worst = Math.min(worst, cosine(cls.get(i), expected.get(i)));
            closestToMean = Math.max(closestToMean, cosine(cls.get(i), mean.get(i)));
        }
        assertTrue(worst >= 0.999, "lowest cosine to ONNX Runtime's CLS pooling: " + worst);
        assertTrue(closestToMean < 0.99, "CLS and mean pooling should differ; closest pair: " + closestToMean);
    }

    @Test
    void overridesThatCannotApplyAreTypedErrors() {
        InvalidRequestException none = assertThrows(InvalidRequestException.class,
                () -> EngineArgs.builder().model(TestModels.stories260K()).poolingType(PoolingType.NONE).build());
        assertEquals("pooling_type", none.field());
        InvalidRequestException generative = assertThrows(InvalidRequestException.class, () -> AsyncLLM.fromEngineArgs(
                EngineArgs.builder().model(TestModels.stories260K()).poolingType(PoolingType.MEAN).build()));
        assertEquals("pooling_type", generative.field());
    }
}
