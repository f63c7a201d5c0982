package dev.panllama.benchmarks.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.panllama.engine.convert.Pooling;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.concurrent.Executor;

/**
 * LangChain4j's in-process embedding models built from the same ONNX and tokenizer files its artifacts ship, with
 * the thread count pinned: ONNX Runtime's intra-op pool gets {@code threads} threads (its default is every
 * physical core) and LangChain4j's executor, which spreads a batch's segments, is the caller's.
 */
final class ReferenceModels {
    private ReferenceModels() {}

    static EmbeddingModel create(Reference model, int threads, Executor executor) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        OrtSession session = env.createSession(EmbeddingTestModels.onnx(model).toString(), options);
        try (InputStream tokenizer = Files.newInputStream(EmbeddingTestModels.tokenizer(model))) {
            OnnxBertBiEncoder encoder = new OnnxBertBiEncoder(env, session, tokenizer,
                    model.pooling() == Pooling.MEAN ? PoolingMode.MEAN : PoolingMode.CLS);
            return new PinnedThreads(encoder, executor);
        }
    }

    private static final class PinnedThreads extends AbstractInProcessEmbeddingModel {
        private final OnnxBertBiEncoder encoder;

        PinnedThreads(OnnxBertBiEncoder encoder, Executor executor) {
            super(executor);
            this.encoder = encoder;
        }

        @Override
        protected OnnxBertBiEncoder model() {
            return encoder;
        }
    }
}
