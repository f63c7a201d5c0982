package dev.panllama.engine;

/**
 * Turns a prompt into validated token ids before anything reaches the engine thread: tokenization (text or
 * chat), truncation, vocabulary and length checks. Every failure is an {@link InvalidRequestException}
 * naming the field, so a bad request never disturbs the engine or other requests.
 */
final class InputProcessor {
    private final Tokenizer tokenizer;
    private final int maxModelLen;

    InputProcessor(Tokenizer tokenizer, int maxModelLen) {
        this.tokenizer = tokenizer;
        this.maxModelLen = maxModelLen;
    }

    /** The prompt's token ids and its text (null for token prompts). */
    record Processed(int[] tokens, String text) {}

    Processed process(Prompt prompt, SamplingParams params, GenerateOptions options) {
        if (prompt == null) {
            throw new InvalidRequestException("prompt", null, "prompt is required");
        }
        int[] tokens;
        String text;
        switch (prompt) {
            case Prompt.Text t -> {
                if (t.text() == null || t.text().isEmpty()) {
                    throw new InvalidRequestException("prompt", t.text(), "The decoder prompt cannot be empty");
                }
                text = t.text();
                boolean addSpecial = options.addSpecialTokens() == null || options.addSpecialTokens();
                tokens = tokenizer.tokenize(text, addSpecial);
            }
            case Prompt.Tokens t -> {
                text = null;
                tokens = ParamChecks.promptTokenIds(t.tokenIds(), tokenizer.vocabSize());
            }
            case Prompt.Chat c -> {
                if (c.messages().isEmpty()) {
                    throw new InvalidRequestException("messages", c.messages(), "a chat prompt needs at least one message");
                }
                text = tokenizer.applyChatTemplate(c.messages(), c.addGenerationPrompt());
                // chat templates write their own BOS; adding another would double it
                boolean addSpecial = options.addSpecialTokens() != null && options.addSpecialTokens();
                tokens = tokenizer.tokenize(text, addSpecial);
            }
        }
        tokens = truncate(tokens, truncation(params, options));
        if (tokens.length == 0) {
            throw new InvalidRequestException("prompt", text, "The decoder prompt cannot be empty");
        }
        if (tokens.length >= maxModelLen) {
            throw new InvalidRequestException("prompt", tokens.length, "The decoder prompt (length " + tokens.length
                    + ") is longer than the maximum model length of " + maxModelLen
                    + "; at least one token must remain for the output. Shorten it or set truncate_prompt_tokens.");
        }
        return new Processed(tokens, text);
    }

    private static Integer truncation(SamplingParams params, GenerateOptions options) {
        return options.truncatePromptTokens() != null ? options.truncatePromptTokens() : params.truncatePromptTokens();
    }

    /** vLLM's truncate_prompt_tokens: keep the last k tokens; -1 keeps as many as leave room for one output token. */
    private int[] truncate(int[] tokens, Integer k) {
        if (k == null) {
            return tokens;
        }
        if (k == 0 || k < -1) {
            throw new InvalidRequestException("truncate_prompt_tokens", k, "truncate_prompt_tokens must be -1 or >= 1, got " + k);
        }
        int keep = k == -1 ? maxModelLen - 1 : k;
        if (k > maxModelLen) {
            throw new InvalidRequestException("truncate_prompt_tokens", k, "truncate_prompt_tokens " + k
                    + " exceeds max_model_len " + maxModelLen);
        }
        return tokens.length <= keep ? tokens : java.util.Arrays.copyOfRange(tokens, tokens.length - keep, tokens.length);
    }
}
