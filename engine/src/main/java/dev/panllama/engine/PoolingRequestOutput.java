package dev.panllama.engine;

import java.util.List;

/**
 * The result of a pooling request, after vLLM's {@code PoolingRequestOutput}: one final output per request.
 *
 * @param requestId       the caller's id
 * @param outputs         the pooled vector (embedding or scores)
 * @param promptTokenIds  the tokens that were encoded (after truncation)
 * @param numCachedTokens prompt tokens reused from a cache (always 0: encoders keep no cache)
 * @param finished        true: pooling outputs are final
 */
public record PoolingRequestOutput(String requestId, PoolingOutput outputs, List<Integer> promptTokenIds,
                                   int numCachedTokens, boolean finished) {
    public PoolingRequestOutput {
        promptTokenIds = List.copyOf(promptTokenIds);
    }

    /** The embedding view (vLLM's {@code EmbeddingRequestOutput.outputs.embedding}). */
    public float[] embedding() {
        return outputs.data();
    }

    /** The score view for a single-output reranker (vLLM's {@code ScoringOutput.score}). */
    public float score() {
        if (outputs.size() != 1) {
            throw new IllegalStateException("this output has " + outputs.size() + " values, not one score");
        }
        return outputs.data()[0];
    }
}
