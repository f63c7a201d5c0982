package dev.panllama.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one request samples and when it stops: vLLM's {@code SamplingParams} with its current defaults and rules.
 * <p>
 * Every instance is valid: the canonical constructor (which {@link Builder#build()} calls) checks each range and
 * throws {@link InvalidRequestException} naming the vLLM field, so a bad request fails where it is written, before
 * it reaches an engine. It also normalises as vLLM does: temperatures in (0, 0.01) become 0.01, greedy sampling
 * (temperature below 1e-5) forces {@code topP=1, topK=0, minP=0}, {@code topK=-1} becomes 0 and {@code seed=-1}
 * becomes null. Checks that need the model (vocabulary size, the engine's logprob limit) are in
 * {@link #checkAgainst(int, int)}, which the engine runs when the request arrives.
 * <p>
 * Collections are immutable copies; {@code stop}, {@code stopTokenIds}, {@code badWords} and {@code logitBias} are
 * empty (never null) when unused, while a null {@code allowedTokenIds} means "no restriction".
 *
 * @param n                          completions per prompt, 1..{@value #MAX_N}
 * @param temperature                0 = greedy; otherwise softmax temperature
 * @param topP                       nucleus mass, in (0, 1]; 1 = off
 * @param topK                       0 = off, else keep the k most likely tokens
 * @param minP                       drop tokens below minP × the top probability, in [0, 1]; 0 = off
 * @param seed                       per-request RNG seed, null = random
 * @param stop                       stop strings; the matched one is {@link CompletionOutput#stopReason()}
 * @param stopTokenIds               token ids that stop the completion (the token stays in the token ids)
 * @param includeStopStrInOutput     keep the matched stop string / stop-token text in the output text
 * @param ignoreEos                  keep generating past EOS
 * @param maxTokens                  generated-token limit; null = until the context is full
 *                                   ({@code max_model_len - prompt_len}, filled in by the engine)
 * @param minTokens                  before this many tokens, EOS, stop tokens and stop strings cannot stop it
 * @param logprobs                   top-k logprobs per generated token (plus the sampled one); null = none,
 *                                   -1 = the whole vocabulary
 * @param promptLogprobs             the same for prompt tokens; also turns off prefix-cache reads
 * @param presencePenalty            in [-2, 2]; penalises tokens already generated, once
 * @param frequencyPenalty           in [-2, 2]; penalises tokens by how often they were generated
 * @param repetitionPenalty          &gt; 0, 1 = off; applies to prompt and generated tokens
 * @param logitBias                  token id → bias added to its logit
 * @param allowedTokenIds            null = any token; otherwise sampling is restricted to these ids
 * @param badWords                   words never to produce (the engine tokenizes them)
 * @param skipSpecialTokens          detokenizer: leave special tokens out of the text
 * @param spacesBetweenSpecialTokens detokenizer: put spaces between special tokens
 * @param detokenize                 false = no text (empty), no decoded tokens in logprobs, no stop strings
 * @param outputKind                 how the stream reports progress
 * @param truncatePromptTokens       null = no truncation, -1 = keep the last {@code max_model_len} prompt tokens,
 *                                   k ≥ 1 = keep the last k
 */
public record SamplingParams(
        int n,
        double temperature,
        double topP,
        int topK,
        double minP,
        Long seed,
        List<String> stop,
        List<Integer> stopTokenIds,
        boolean includeStopStrInOutput,
        boolean ignoreEos,
        Integer maxTokens,
        int minTokens,
        Integer logprobs,
        Integer promptLogprobs,
        double presencePenalty,
        double frequencyPenalty,
        double repetitionPenalty,
        Map<Integer, Float> logitBias,
        List<Integer> allowedTokenIds,
        List<String> badWords,
        boolean skipSpecialTokens,
        boolean spacesBetweenSpecialTokens,
        boolean detokenize,
        RequestOutputKind outputKind,
        Integer truncatePromptTokens) {

    private static final Logger LOG = LoggerFactory.getLogger(SamplingParams.class);

    /** Largest {@code n}: vLLM's {@code VLLM_MAX_N_SEQUENCES} default. */
    public static final int MAX_N = 16384;
    /** Temperatures below this sample greedily (vLLM's {@code _SAMPLING_EPS}). */
    public static final double GREEDY_TEMPERATURE = 1e-5;
    /** Smallest non-greedy temperature; lower ones overflow logits / temperature into inf or NaN. */
    public static final double MIN_TEMPERATURE = 0.01;
    /** vLLM's default {@code max_tokens}. */
    public static final int DEFAULT_MAX_TOKENS = 16;

    private static final SamplingParams DEFAULTS = builder().build();

    public SamplingParams {
        // Normalisations first, in vLLM's order: the range checks below see the clamped temperature.
        if (temperature > 0 && temperature < MIN_TEMPERATURE) {
            LOG.warn("temperature {} is less than {}, which may cause numerical errors nan or inf in tensors."
                    + " It has been raised to {}.", temperature, MIN_TEMPERATURE, MIN_TEMPERATURE);
            temperature = MIN_TEMPERATURE;
        }
        if (seed != null && seed == -1L) {
            seed = null;
        }
        stop = ParamChecks.copyList("stop", stop);
        stopTokenIds = ParamChecks.copyList("stop_token_ids", stopTokenIds);
        badWords = ParamChecks.copyList("bad_words", badWords);
        if (allowedTokenIds != null) { // null means "any token", so it must stay distinguishable from empty
            allowedTokenIds = ParamChecks.copyList("allowed_token_ids", allowedTokenIds);
        }
        logitBias = ParamChecks.copyBias("logit_bias", logitBias);

        if (n < 1) {
            throw invalid("n", n, "n must be at least 1, got " + n + ".");
        }
        if (n > MAX_N) {
            throw invalid("n", n, "n must be at most " + MAX_N + ", got " + n + ".");
        }
        checkPenalty("presence_penalty", presencePenalty);
        checkPenalty("frequency_penalty", frequencyPenalty);
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw invalid("repetition_penalty", repetitionPenalty,
                    "repetition_penalty must be a finite number greater than zero, got " + repetitionPenalty + ".");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw invalid("temperature", temperature,
                    "temperature must be a finite number >= 0, got " + temperature + ".");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw invalid("top_p", topP, "top_p must be in (0, 1], got " + topP + ".");
        }
        if (topK < -1) {
            throw invalid("top_k", topK, "top_k must be 0 or -1 (disabled), or at least 1, got " + topK + ".");
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw invalid("min_p", minP, "min_p must be in [0, 1], got " + minP + ".");
        }
        if (maxTokens != null && maxTokens < 1) {
            throw invalid("max_tokens", maxTokens, "max_tokens must be at least 1, got " + maxTokens + ".");
        }
        if (minTokens < 0) {
            throw invalid("min_tokens", minTokens,
                    "min_tokens must be greater than or equal to 0, got " + minTokens + ".");
        }
        if (maxTokens != null && minTokens > maxTokens) {
            throw invalid("min_tokens", minTokens, "min_tokens must be less than or equal to max_tokens="
                    + maxTokens + ", got " + minTokens + ".");
        }
        checkLogprobCount("logprobs", logprobs);
        checkLogprobCount("prompt_logprobs", promptLogprobs);
        if (truncatePromptTokens != null && (truncatePromptTokens == 0 || truncatePromptTokens < -1)) {
            throw invalid("truncate_prompt_tokens", truncatePromptTokens,
                    "truncate_prompt_tokens must be an integer >= 1 or -1, got " + truncatePromptTokens + ".");
        }
        if (stop.contains("")) {
            throw invalid("stop", stop, "stop cannot contain an empty string, got " + ParamChecks.quoted(stop) + ".");
        }
        if (!stop.isEmpty() && !detokenize) {
            throw invalid("stop", stop, "stop strings are only supported when detokenize is true, got stop="
                    + ParamChecks.quoted(stop) + " with detokenize=false. Set detokenize=true to use stop.");
        }
        if (badWords.contains("")) {
            throw invalid("bad_words", badWords, "bad_words cannot contain an empty string, got "
                    + ParamChecks.quoted(badWords) + ".");
        }
        if (allowedTokenIds != null && allowedTokenIds.isEmpty()) {
            throw invalid("allowed_token_ids", allowedTokenIds,
                    "allowed_token_ids must be null (no restriction) or non-empty, got [].");
        }
        if (outputKind == null) {
            throw invalid("output_kind", null, "output_kind must be one of "
                    + Arrays.toString(RequestOutputKind.values()) + ", got null.");
        }

        if (topK == -1) {
            topK = 0; // vLLM quietly accepts -1 as "disabled" but prefers 0; one spelling keeps equals() honest
        }
        if (temperature < GREEDY_TEMPERATURE) {
            // Greedy ignores the truncation filters; resetting them makes greedy requests compare (and batch) equal.
            topP = 1.0;
            topK = 0;
            minP = 0.0;
            if (n > 1) {
                throw invalid("n", n, "n must be 1 when using greedy sampling, got " + n
                        + " (temperature=" + temperature + "); all completions would be identical.");
            }
        }
    }

    /** vLLM's defaults: n=1, temperature=1, max_tokens=16, CUMULATIVE output, detokenized, no penalties. */
    public static SamplingParams defaults() {
        return DEFAULTS;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this instance's (normalised) values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** True when the engine should pick the most likely token (temperature below {@value #GREEDY_TEMPERATURE}). */
    public boolean isGreedy() {
        return temperature < GREEDY_TEMPERATURE;
    }

    /** A copy with another seed; null or -1 = random. */
    public SamplingParams withSeed(Long newSeed) {
        return toBuilder().seed(newSeed).build();
    }

    /** A copy with another {@code n}; validated like any other instance (greedy still requires 1). */
    public SamplingParams withN(int newN) {
        return toBuilder().n(newN).build();
    }

    /**
     * The parameters of child {@code index} of an n &gt; 1 request: n = 1 and, when a seed is set, seed + index, so
     * that the children draw different samples yet the whole request stays reproducible (vLLM's
     * {@code ParentRequest}). Without a seed every child samples from its own random seed.
     */
    public SamplingParams forChild(int index) {
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("child index " + index + " outside [0, " + n + ")");
        }
        Builder child = toBuilder().n(1);
        if (seed != null) {
            child.seed(seed + index);
        }
        return child.build();
    }

    /**
     * The checks that need the model, as vLLM's {@code SamplingParams.verify} and input processor run them when a
     * request is added: logprob counts within the engine's limit, and every token id the request names inside
     * the vocabulary.
     *
     * @param vocabSize   the model's vocabulary size (≥ 1)
     * @param maxLogprobs the engine's {@code max_logprobs} (vLLM default 20); -1 = the vocabulary size
     * @throws InvalidRequestException naming the offending field
     */
    public void checkAgainst(int vocabSize, int maxLogprobs) {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("vocabSize must be at least 1, got " + vocabSize);
        }
        if (maxLogprobs < -1) {
            throw new IllegalArgumentException("maxLogprobs must be -1 (vocabulary) or >= 0, got " + maxLogprobs);
        }
        int limit = maxLogprobs == -1 ? vocabSize : maxLogprobs;
        checkLogprobLimit("logprobs", "sample", logprobs, vocabSize, limit);
        checkLogprobLimit("prompt_logprobs", "prompt", promptLogprobs, vocabSize, limit);

        List<Integer> badBias = ParamChecks.outOfVocab(logitBias.keySet(), vocabSize);
        if (!badBias.isEmpty()) {
            throw invalid("logit_bias", badBias, "token_id(s) " + badBias
                    + " in logit_bias contain out-of-vocab token ids. Vocabulary size: " + vocabSize);
        }
        if (allowedTokenIds != null) {
            List<Integer> badAllowed = ParamChecks.outOfVocab(allowedTokenIds, vocabSize);
            if (!badAllowed.isEmpty()) {
                throw invalid("allowed_token_ids", badAllowed, "allowed_token_ids contains out-of-vocab token id(s) "
                        + badAllowed + "; token ids must be in [0, " + vocabSize + ").");
            }
        }
        List<Integer> badStop = ParamChecks.outOfVocab(stopTokenIds, vocabSize);
        if (!badStop.isEmpty()) {
            throw invalid("stop_token_ids", badStop, "stop_token_ids contains out-of-vocab token id(s) "
                    + badStop + "; token ids must be in [0, " + vocabSize + ").");
        }
    }

    private static void checkLogprobLimit(String field, String what, Integer requested, int vocabSize, int limit) {
        // 0 asks only for the sampled token's logprob, which is always allowed (vLLM tests truthiness here)
        if (requested == null || requested == 0) {
            return;
        }
        int count = requested == -1 ? vocabSize : requested;
        if (count > limit) {
            throw invalid(field, requested, "Requested " + what + " logprobs of " + count
                    + ", which is greater than max allowed: " + limit
                    + (requested == -1 ? " (-1 means the whole vocabulary)" : ""));
        }
    }

    private static void checkPenalty(String field, double value) {
        if (!(value >= -2 && value <= 2)) {
            throw invalid(field, value, field + " must be in [-2, 2], got " + value + ".");
        }
    }

    private static void checkLogprobCount(String field, Integer value) {
        if (value != null && value < -1) {
            throw invalid(field, value, field + " must be non-negative or -1 (whole vocabulary), got " + value + ".");
        }
    }

    private static InvalidRequestException invalid(String field, Object value, String message) {
        return new InvalidRequestException(field, value, message);
    }

    /**
     * Fluent construction of {@link SamplingParams}, one setter per vLLM field (camelCase). Starts from vLLM's
     * defaults; {@link #build()} validates and normalises. A builder is not thread-safe and can be reused.
     */
    public static final class Builder {
        private int n = 1;
        private double temperature = 1.0;
        private double topP = 1.0;
        private int topK = 0;
        private double minP = 0.0;
        private Long seed;
        private List<String> stop = List.of();
        private List<Integer> stopTokenIds = List.of();
        private boolean includeStopStrInOutput;
        private boolean ignoreEos;
        private Integer maxTokens = DEFAULT_MAX_TOKENS;
        private int minTokens;
        private Integer logprobs;
        private Integer promptLogprobs;
        private double presencePenalty;
        private double frequencyPenalty;
        private double repetitionPenalty = 1.0;
        private Map<Integer, Float> logitBias = Map.of();
        private List<Integer> allowedTokenIds;
        private List<String> badWords = List.of();
        private boolean skipSpecialTokens = true;
        private boolean spacesBetweenSpecialTokens = true;
        private boolean detokenize = true;
        private RequestOutputKind outputKind = RequestOutputKind.CUMULATIVE;
        private Integer truncatePromptTokens;

        private Builder() {
        }

        private Builder(SamplingParams p) {
            n = p.n;
            temperature = p.temperature;
            topP = p.topP;
            topK = p.topK;
            minP = p.minP;
            seed = p.seed;
            stop = p.stop;
            stopTokenIds = p.stopTokenIds;
            includeStopStrInOutput = p.includeStopStrInOutput;
            ignoreEos = p.ignoreEos;
            maxTokens = p.maxTokens;
            minTokens = p.minTokens;
            logprobs = p.logprobs;
            promptLogprobs = p.promptLogprobs;
            presencePenalty = p.presencePenalty;
            frequencyPenalty = p.frequencyPenalty;
            repetitionPenalty = p.repetitionPenalty;
            logitBias = p.logitBias;
            allowedTokenIds = p.allowedTokenIds;
            badWords = p.badWords;
            skipSpecialTokens = p.skipSpecialTokens;
            spacesBetweenSpecialTokens = p.spacesBetweenSpecialTokens;
            detokenize = p.detokenize;
            outputKind = p.outputKind;
            truncatePromptTokens = p.truncatePromptTokens;
        }

        public Builder n(int n) {
            this.n = n;
            return this;
        }

        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder topP(double topP) {
            this.topP = topP;
            return this;
        }

        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        public Builder minP(double minP) {
            this.minP = minP;
            return this;
        }

        /** Null or -1 = random. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Null = none. */
        public Builder stop(List<String> stop) {
            this.stop = stop;
            return this;
        }

        public Builder stop(String... stop) {
            this.stop = stop == null ? null : Arrays.asList(stop);
            return this;
        }

        /** Null = none. */
        public Builder stopTokenIds(List<Integer> stopTokenIds) {
            this.stopTokenIds = stopTokenIds;
            return this;
        }

        public Builder stopTokenIds(int... stopTokenIds) {
            this.stopTokenIds = stopTokenIds == null ? null : boxed(stopTokenIds);
            return this;
        }

        public Builder includeStopStrInOutput(boolean includeStopStrInOutput) {
            this.includeStopStrInOutput = includeStopStrInOutput;
            return this;
        }

        public Builder ignoreEos(boolean ignoreEos) {
            this.ignoreEos = ignoreEos;
            return this;
        }

        /** Null = until the context is full ({@code max_model_len - prompt_len}); the default is 16. */
        public Builder maxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
            return this;
        }

        public Builder minTokens(int minTokens) {
            this.minTokens = minTokens;
            return this;
        }

        /** Null = none, k = top-k alternatives per token, -1 = whole vocabulary. */
        public Builder logprobs(Integer logprobs) {
            this.logprobs = logprobs;
            return this;
        }

        /** Null = none, k = top-k alternatives per prompt token, -1 = whole vocabulary. */
        public Builder promptLogprobs(Integer promptLogprobs) {
            this.promptLogprobs = promptLogprobs;
            return this;
        }

        public Builder presencePenalty(double presencePenalty) {
            this.presencePenalty = presencePenalty;
            return this;
        }

        public Builder frequencyPenalty(double frequencyPenalty) {
            this.frequencyPenalty = frequencyPenalty;
            return this;
        }

        public Builder repetitionPenalty(double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        /** Null = none. */
        public Builder logitBias(Map<Integer, Float> logitBias) {
            this.logitBias = logitBias;
            return this;
        }

        /** Null = any token; an empty list is rejected. */
        public Builder allowedTokenIds(List<Integer> allowedTokenIds) {
            this.allowedTokenIds = allowedTokenIds;
            return this;
        }

        /** Null = none. */
        public Builder badWords(List<String> badWords) {
            this.badWords = badWords;
            return this;
        }

        public Builder skipSpecialTokens(boolean skipSpecialTokens) {
            this.skipSpecialTokens = skipSpecialTokens;
            return this;
        }

        public Builder spacesBetweenSpecialTokens(boolean spacesBetweenSpecialTokens) {
            this.spacesBetweenSpecialTokens = spacesBetweenSpecialTokens;
            return this;
        }

        public Builder detokenize(boolean detokenize) {
            this.detokenize = detokenize;
            return this;
        }

        public Builder outputKind(RequestOutputKind outputKind) {
            this.outputKind = outputKind;
            return this;
        }

        /** Null = no truncation, -1 = the last {@code max_model_len} tokens, k ≥ 1 = the last k tokens. */
        public Builder truncatePromptTokens(Integer truncatePromptTokens) {
            this.truncatePromptTokens = truncatePromptTokens;
            return this;
        }

        /** Validates and normalises; throws {@link InvalidRequestException} naming the first bad field. */
        public SamplingParams build() {
            return new SamplingParams(n, temperature, topP, topK, minP, seed, stop, stopTokenIds,
                    includeStopStrInOutput, ignoreEos, maxTokens, minTokens, logprobs, promptLogprobs,
                    presencePenalty, frequencyPenalty, repetitionPenalty, logitBias, allowedTokenIds, badWords,
                    skipSpecialTokens, spacesBetweenSpecialTokens, detokenize, outputKind, truncatePromptTokens);
        }

        private static List<Integer> boxed(int[] ids) {
            List<Integer> list = new ArrayList<>(ids.length);
            for (int id : ids) {
                list.add(id);
            }
            return Collections.unmodifiableList(list);
        }
    }
}
