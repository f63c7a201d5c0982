package dev.panllama.cli;

import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * One flag per sampling parameter, in kebab case after vLLM's field names. Defaults follow llama.cpp's
 * command-line tools (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05) so a bare command tells a story.
 */
final class SamplingOptions {
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    Integer maxTokens;

    @Option(names = "--n", defaultValue = "1", description = "Completions per prompt (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "(default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--top-k", defaultValue = "40", description = "0 or -1 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--min-p", defaultValue = "0.05", description = "(default: ${DEFAULT-VALUE})")
    double minP;

    @Option(names = "--seed", description = "Sampling seed (default: random).")
    Long seed;

    @Option(names = "--stop", description = "Stop string (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--stop-token-ids", split = ",", description = "Token ids that stop generation.")
    List<Integer> stopTokenIds = new ArrayList<>();

    @Option(names = "--include-stop-str-in-output", description = "Keep the matched stop string in the text.")
    boolean includeStopStrInOutput;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens.")
    boolean ignoreEos;

    @Option(names = "--min-tokens", defaultValue = "0", description = "Tokens to generate before EOS or stops may end it.")
    int minTokens;

    @Option(names = "--logprobs", description = "Top logprobs per generated token (-1 = all).")
    Integer logprobs;

    @Option(names = "--prompt-logprobs", description = "Top logprobs per prompt token.")
    Integer promptLogprobs;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "[-2, 2] (default: ${DEFAULT-VALUE}).")
    double presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "[-2, 2] (default: ${DEFAULT-VALUE}).")
    double frequencyPenalty;

    @Option(names = "--repetition-penalty", defaultValue = "1", description = "> 0; 1 = off (default: ${DEFAULT-VALUE}).")
    double repetitionPenalty;

    @Option(names = "--logit-bias", description = "TOKEN=BIAS (repeatable).")
    Map<Integer, Float> logitBias = new LinkedHashMap<>();

    @Option(names = "--allowed-token-ids", split = ",", description = "Only these token ids may be generated.")
    List<Integer> allowedTokenIds;

    @Option(names = "--bad-words", description = "Words that must not be generated (repeatable).")
    List<String> badWords = new ArrayList<>();

    @Option(names = "--skip-special-tokens", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Leave special tokens out of the text (default: ${DEFAULT-VALUE}).")
    boolean skipSpecialTokens;

    @Option(names = "--detokenize", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Produce text, not only token ids (default: ${DEFAULT-VALUE}).")
    boolean detokenize;

    @Option(names = "--truncate-prompt-tokens", description = "Keep only the last K prompt tokens (-1 = as many as fit).")
    Integer truncatePromptTokens;

    @Option(names = "--output-kind", defaultValue = "delta", description = "delta, cumulative, final_only (default: ${DEFAULT-VALUE}).")
    String outputKind;

    SamplingParams toParams() {
        return SamplingParams.builder()
                .maxTokens(maxTokens).n(n).temperature(temperature).topP(topP).topK(topK).minP(minP).seed(seed)
                .stop(stop).stopTokenIds(stopTokenIds).includeStopStrInOutput(includeStopStrInOutput)
                .ignoreEos(ignoreEos).minTokens(minTokens).logprobs(logprobs).promptLogprobs(promptLogprobs)
                .presencePenalty(presencePenalty).frequencyPenalty(frequencyPenalty).repetitionPenalty(repetitionPenalty)
                .logitBias(logitBias).allowedTokenIds(allowedTokenIds).badWords(badWords)
                .skipSpecialTokens(skipSpecialTokens).detokenize(detokenize)
                .truncatePromptTokens(truncatePromptTokens)
                .outputKind(RequestOutputKind.valueOf(outputKind.toUpperCase(Locale.ROOT)))
                .build();
    }
}
