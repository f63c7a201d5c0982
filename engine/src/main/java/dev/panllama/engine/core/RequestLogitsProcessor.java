package dev.panllama.engine.core;

import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.nativeapi.LogitsRow;
import dev.panllama.engine.nativeapi.Vocab;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampling parameters llama.cpp's samplers cannot express with vLLM's meaning, applied to a request's
 * live logits row before its sampler chain picks: logit bias, allowed tokens, bad words, min_tokens
 * (end-of-generation and stop tokens masked), repetition penalty over prompt and output, and presence /
 * frequency penalties over the output only. Work is proportional to the tokens involved, not the vocabulary
 * (except for an allow-list).
 */
final class RequestLogitsProcessor {
    private final SamplingParams params;
    private final int[] eogTokens;
    /** Distinct prompt tokens, sorted for binary search. */
    private final int[] promptDistinct;
    private final int[] allowed;
    private final List<int[]> badWordSequences;
    private final Map<Integer, int[]> outputCounts = new HashMap<>();

    RequestLogitsProcessor(SamplingParams params, int[] prompt, Vocab vocab, int[] eogTokens) {
        this.params = params;
        this.eogTokens = eogTokens;
        this.promptDistinct = params.repetitionPenalty() != 1.0
                ? Arrays.stream(prompt).distinct().sorted().toArray() : new int[0];
        this.allowed = params.allowedTokenIds() == null ? null
                : params.allowedTokenIds().stream().mapToInt(Integer::intValue).toArray();
        this.badWordSequences = BadWords.tokenize(params.badWords(), vocab);
    }

    /** True when this request needs no Java-side processing at all (the common fast path). */
    static boolean isNoop(SamplingParams p) {
        return (p.logitBias() == null || p.logitBias().isEmpty()) && p.allowedTokenIds() == null
                && (p.badWords() == null || p.badWords().isEmpty()) && p.minTokens() == 0
                && p.repetitionPenalty() == 1.0 && p.presencePenalty() == 0.0 && p.frequencyPenalty() == 0.0;
    }

    void accept(int token) {
        outputCounts.computeIfAbsent(token, t -> new int[1])[0]++;
    }

    void apply(LogitsRow logits, EngineRequest request) {
        if (allowed != null) {
            logits.fillExcept(Float.NEGATIVE_INFINITY, allowed);
        }
        if (params.logitBias() != null) {
            for (Map.Entry<Integer, Float> bias : params.logitBias().entrySet()) {
                logits.set(bias.getKey(), logits.get(bias.getKey()) + bias.getValue());
            }
        }
        if (request.outputLength() < params.minTokens()) {
            for (int eog : eogTokens) {
                logits.set(eog, Float.NEGATIVE_INFINITY);
            }
            for (int stop : params.stopTokenIds()) {
                logits.set(stop, Float.NEGATIVE_INFINITY);
            }
        }
        for (int[] word : badWordSequences) {
            if (endsWithPrefixOf(request, word)) {
                logits.set(word[word.length - 1], Float.NEGATIVE_INFINITY);
            }
        }
        float repetition = (float) params.repetitionPenalty();
        if (repetition != 1f) {
            for (int token : promptDistinct) {
                penalize(logits, token, repetition);
            }
            for (int token : outputCounts.keySet()) {
                if (Arrays.binarySearch(promptDistinct, token) < 0) {
                    penalize(logits, token, repetition);
                }
            }
        }
        if (params.presencePenalty() != 0.0 || params.frequencyPenalty() != 0.0) {
            for (Map.Entry<Integer, int[]> count : outputCounts.entrySet()) {
                int token = count.getKey();
                logits.set(token, (float) (logits.get(token) - params.frequencyPenalty() * count.getValue()[0]
                        - params.presencePenalty()));
            }
        }
    }

    private static void penalize(LogitsRow logits, int token, float penalty) {
        float v = logits.get(token);
        logits.set(token, v > 0 ? v / penalty : v * penalty);
    }

    /** True when the output so far ends with all but the last token of {@code word}. */
    private static boolean endsWithPrefixOf(EngineRequest request, int[] word) {
        int prefix = word.length - 1;
        int n = request.outputLength();
        if (n < prefix) {
            return false;
        }
        for (int i = 0; i < prefix; i++) {
            if (request.outputToken(n - prefix + i) != word[i]) {
                return false;
            }
        }
        return true;
    }
}
