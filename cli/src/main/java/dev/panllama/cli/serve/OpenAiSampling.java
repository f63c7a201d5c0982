package dev.panllama.cli.serve;

import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.SamplingParams;

/**
 * The sampling fields that {@code /v1/completions} and {@code /v1/chat/completions} share: OpenAI's, plus
 * vLLM's extra ones with vLLM's names. Range checks stay in {@link SamplingParams}, whose
 * {@code InvalidRequestException} names the field that becomes the error's {@code param}.
 */
final class OpenAiSampling {
    private OpenAiSampling() {
    }

    static SamplingParams.Builder common(JsonBody body) {
        SamplingParams.Builder params = SamplingParams.builder();
        Integer n = body.integer("n");
        if (n != null) {
            params.n(n);
        }
        Integer bestOf = body.integer("best_of");
        if (bestOf != null && bestOf != (n == null ? 1 : n)) {
            throw ApiError.badRequest("best_of other than n is not supported.", "best_of");
        }
        Double value = body.number("temperature");
        if (value != null) {
            params.temperature(value);
        }
        if ((value = body.number("top_p")) != null) {
            params.topP(value);
        }
        if ((value = body.number("min_p")) != null) {
            params.minP(value);
        }
        if ((value = body.number("presence_penalty")) != null) {
            params.presencePenalty(value);
        }
        if ((value = body.number("frequency_penalty")) != null) {
            params.frequencyPenalty(value);
        }
        if ((value = body.number("repetition_penalty")) != null) {
            params.repetitionPenalty(value);
        }
        Integer topK = body.integer("top_k");
        if (topK != null) {
            params.topK(topK);
        }
        params.seed(body.longInteger("seed"));
        if (body.has("stop")) {
            params.stop(body.stringOrStrings("stop"));
        }
        if (body.has("stop_token_ids")) {
            params.stopTokenIds(body.integers("stop_token_ids"));
        }
        params.includeStopStrInOutput(body.bool("include_stop_str_in_output", false));
        params.ignoreEos(body.bool("ignore_eos", false));
        Integer minTokens = body.integer("min_tokens");
        if (minTokens != null) {
            params.minTokens(minTokens);
        }
        if (body.has("logit_bias")) {
            params.logitBias(body.tokenBiases("logit_bias"));
        }
        if (body.has("allowed_token_ids")) {
            params.allowedTokenIds(body.integers("allowed_token_ids"));
        }
        if (body.has("bad_words")) {
            params.badWords(body.strings("bad_words"));
        }
        params.skipSpecialTokens(body.bool("skip_special_tokens", true));
        params.spacesBetweenSpecialTokens(body.bool("spaces_between_special_tokens", true));
        params.truncatePromptTokens(body.integer("truncate_prompt_tokens"));
        return params;
    }

    /** vLLM's per-request options: priority, cache salt, and whether text prompts get BOS/EOS. */
    static GenerateOptions options(JsonBody body, boolean addSpecialTokensByDefault) {
        GenerateOptions options = GenerateOptions.defaults()
                .withAddSpecialTokens(body.bool("add_special_tokens", addSpecialTokensByDefault));
        Integer priority = body.integer("priority");
        if (priority != null) {
            options = options.withPriority(priority);
        }
        String salt = body.string("cache_salt");
        if (salt != null) {
            if (salt.isEmpty()) {
                throw ApiError.badRequest("'cache_salt' must be a non-empty string.", "cache_salt");
            }
            options = options.withCacheSalt(salt);
        }
        return options;
    }

    /** {@code stream_options.include_usage}: a last chunk with the usage and no choices. */
    static boolean includeUsage(JsonBody body, boolean stream) {
        JsonBody streamOptions = body.object("stream_options");
        if (streamOptions == null) {
            return false;
        }
        if (!stream) {
            throw ApiError.badRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        }
        return streamOptions.bool("include_usage", false);
    }
}
