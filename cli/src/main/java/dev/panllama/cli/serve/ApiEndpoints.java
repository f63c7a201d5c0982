package dev.panllama.cli.serve;

/**
 * One concern of the API (completions, chat, models, tokenization, an admin family, ...) that adds its routes.
 * A new engine capability becomes a new implementation and one line in {@link ApiServer}.
 */
public interface ApiEndpoints {
    void register(Routes routes);
}
