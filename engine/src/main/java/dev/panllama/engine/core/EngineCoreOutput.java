package dev.panllama.engine.core;

import dev.panllama.engine.FinishReason;
import java.util.List;

/**
 * What one step produced for one request: its new tokens, their logprobs when asked for, and the finish
 * reason when the engine finished it. The output processor turns these into {@code RequestOutput}s.
 *
 * @param promptLogprobs   per prompt position (entry 0 null), sent once when the prompt completes; else null
 * @param scheduledAtNanos {@code System.nanoTime()} of the request's first scheduled step
 */
public record EngineCoreOutput(String requestId, int[] newTokens, List<TokenLogprobs> newLogprobs,
                               FinishReason finishReason, Object stopReason, int numCachedTokens,
                               List<TokenLogprobs> promptLogprobs, long scheduledAtNanos) {
    public boolean finished() {
        return finishReason != null;
    }
}
