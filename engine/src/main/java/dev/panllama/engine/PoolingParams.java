package dev.panllama.engine;

/**
 * Parameters of a pooling ({@code encode}) request, after vLLM's {@code PoolingParams}.
 *
 * @param task                 what to compute; null = the model's first supported task (embed for embedding models)
 * @param normalize            L2-normalize an embedding (null = yes, vLLM's default for embed); ignored for scores
 * @param truncatePromptTokens keep at most k prompt tokens (right truncation that keeps the closing separator, as
 *                             BERT tokenizers truncate); -1 = the model's maximum length; null = reject a prompt that
 *                             is too long
 * @param outputKind           only {@link RequestOutputKind#FINAL_ONLY}: a pooled result exists only once the whole
 *                             prompt is encoded
 */
public record PoolingParams(PoolingTask task, Boolean normalize, Integer truncatePromptTokens, RequestOutputKind outputKind) {

    public PoolingParams {
        outputKind = outputKind == null ? RequestOutputKind.FINAL_ONLY : outputKind;
        if (outputKind != RequestOutputKind.FINAL_ONLY) {
            throw new InvalidRequestException("output_kind", outputKind,
                    "pooling requests produce one final output; output_kind must be FINAL_ONLY, got " + outputKind);
        }
        if (truncatePromptTokens != null && (truncatePromptTokens == 0 || truncatePromptTokens < -1)) {
            throw new InvalidRequestException("truncate_prompt_tokens", truncatePromptTokens,
                    "truncate_prompt_tokens must be -1 or >= 1, got " + truncatePromptTokens);
        }
    }

    /** Embed with normalization, no truncation. */
    public static PoolingParams defaults() {
        return new PoolingParams(null, null, null, null);
    }

    public PoolingParams withTask(PoolingTask value) {
        return new PoolingParams(value, normalize, truncatePromptTokens, outputKind);
    }

    public PoolingParams withNormalize(Boolean value) {
        return new PoolingParams(task, value, truncatePromptTokens, outputKind);
    }

    public PoolingParams withTruncatePromptTokens(Integer value) {
        return new PoolingParams(task, normalize, value, outputKind);
    }

    /** Whether an embedding gets L2-normalized. */
    public boolean normalizes() {
        return normalize == null || normalize;
    }
}
