package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import dev.panllama.engine.testing.SentenceCorpus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * panllama's embeddings of GGUF files converted from LangChain4j's ONNX models match what LangChain4j computes with
 * ONNX Runtime from the same files, sentence by sentence; and they order real sentences by meaning.
 */
class EmbeddingParityTest {
    private static final int SENTENCES = 200;
    private static final double MIN_COSINE = 0.999;
    /** The reference runs one sentence at a time, on the calling thread. */
    private static final Executor SAME_THREAD = Runnable::run;

    @ParameterizedTest
    @EnumSource(Reference.class)
    void embeddingsMatchLangChain4jOnnxRuntime(Reference model) {
        List<String> sentences = SentenceCorpus.sentences(SENTENCES);
        List<float[]> ours = embedAll(model, sentences);
        List<float[]> reference = reference(model).embedAll(sentences.stream().map(TextSegment::from).toList())
                .content().stream().map(e -> e.vector()).toList();
        double worst = 1;
        String worstSentence = null;
        for (int i = 0; i < sentences.size(); i++) {
            assertEquals(reference.get(i).length, ours.get(i).length, "dimensions");
            assertEquals(1.0, norm(ours.get(i)), 1e-4, "normalized by default");
            double cos = cosine(ours.get(i), reference.get(i));
            if (cos < worst) {
                worst = cos;
                worstSentence = sentences.get(i);
            }
        }
        LoggerFactory.getLogger(EmbeddingParityTest.class).info("{}: lowest cosine to ONNX Runtime over {} sentences: {}",
                model, sentences.size(), worst);
        assertTrue(worst >= MIN_COSINE, model + ": lowest cosine " + worst + " for \"" + worstSentence + "\"");
    }

    @ParameterizedTest
    @EnumSource(Reference.class)
    void similarSentencesScoreHigherThanUnrelatedOnes(Reference model) {
        List<String[]> triples = List.of(
                new String[] {"A man is playing a guitar.", "Someone is strumming a guitar on stage.", "The central bank raised interest rates again."},
                new String[] {"How do I reset my password?", "I forgot my login password and need to change it.", "The recipe calls for two cups of flour."},
                new String[] {"The cat is sleeping on the sofa.", "A kitten naps on the couch.", "Quarterly revenue grew by twelve percent."},
                new String[] {"It is raining heavily in London today.", "Heavy rain is falling over London this afternoon.", "She scored the winning goal in the final minute."});
        List<String> texts = new ArrayList<>();
        triples.forEach(t -> texts.addAll(List.of(t)));
        List<float[]> e = embedAll(model, texts);
        for (int i = 0; i < triples.size(); i++) {
            double similar = cosine(e.get(3 * i), e.get(3 * i + 1));
            double unrelated = cosine(e.get(3 * i), e.get(3 * i + 2));
            assertTrue(similar > unrelated + 0.1, model + ": '" + triples.get(i)[0] + "' is closer to '" + triples.get(i)[2]
                    + "' (" + unrelated + ") than to '" + triples.get(i)[1] + "' (" + similar + ")");
        }
    }

    /** Submits every sentence at once, so the engine batches them, then collects the outputs in order. */
    private static List<float[]> embedAll(Reference model, List<String> sentences) {
        // one thread: ggml's spinning workers slow down badly when the test machine's cores are oversubscribed
        EngineArgs args = EngineArgs.builder().model(EmbeddingTestModels.gguf(model)).maxNumSeqs(32).threads(1).build();
        try (AsyncLLM llm = AsyncLLM.fromEngineArgs(args)) {
            assertEquals(Set.of("embed"), llm.getSupportedTasks());
            List<PoolingRequestStream> streams = new ArrayList<>();
            for (int i = 0; i < sentences.size(); i++) {
                streams.add(llm.encode(Prompt.text(sentences.get(i)), PoolingParams.defaults(), "s" + i));
            }
            List<float[]> out = new ArrayList<>();
            for (PoolingRequestStream stream : streams) {
                PoolingRequestOutput output = stream.next();
                assertTrue(output.finished());
                assertTrue(!stream.hasNext(), "FINAL_ONLY: one output per request");
                out.add(output.embedding());
            }
            return out;
        }
    }

    private static EmbeddingModel reference(Reference model) {
        return switch (model) {
            case ALL_MINILM_L6_V2 -> new AllMiniLmL6V2EmbeddingModel(SAME_THREAD);
            case BGE_SMALL_EN_V15 -> new BgeSmallEnV15EmbeddingModel(SAME_THREAD);
        };
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }
}
