package dev.panllama.engine;

import java.util.List;

/** What a request starts from: text, token ids, or a conversation rendered by the chat template. */
public sealed interface Prompt {

    record Text(String text) implements Prompt {}

    record Tokens(List<Integer> tokenIds) implements Prompt {
        public Tokens {
            tokenIds = List.copyOf(tokenIds);
        }
    }

    record Chat(List<ChatMessage> messages, boolean addGenerationPrompt) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt tokens(int... ids) {
        return new Tokens(java.util.Arrays.stream(ids).boxed().toList());
    }

    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages, true);
    }
}
