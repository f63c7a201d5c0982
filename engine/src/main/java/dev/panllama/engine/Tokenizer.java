package dev.panllama.engine;

import dev.panllama.engine.chat.JinjaChatTemplate;
import dev.panllama.engine.nativeapi.ChatTemplate;
import dev.panllama.engine.nativeapi.Vocab;
import java.util.Arrays;
import java.util.List;

/** The engine's tokenizer: encode, decode, and the chat template. Safe to use from any thread. */
public final class Tokenizer {
    private final Vocab vocab;
    private final String chatTemplate;

    Tokenizer(Vocab vocab, String chatTemplate) {
        this.vocab = vocab;
        this.chatTemplate = chatTemplate;
    }

    public int vocabSize() {
        return vocab.tokenCount();
    }

    /** Tokenizes text, adding BOS/EOS as the model asks when {@code addSpecialTokens}, parsing special-token text. */
    public List<Integer> encode(String text, boolean addSpecialTokens) {
        return Arrays.stream(tokenize(text, addSpecialTokens)).boxed().toList();
    }

    /** As {@link #encode(String, boolean)}, unboxed: what the engine's own requests are built from. */
    int[] tokenize(String text, boolean addSpecialTokens) {
        return vocab.tokenize(text, addSpecialTokens, true);
    }

    public String decode(List<Integer> tokenIds, boolean skipSpecialTokens) {
        int[] ids = tokenIds.stream().mapToInt(Integer::intValue).toArray();
        return vocab.detokenize(ids, skipSpecialTokens, !skipSpecialTokens);
    }

    /** The chat template in use (the engine args' override, else the model's), or null. */
    public String chatTemplate() {
        return chatTemplate;
    }

    /**
     * Renders a conversation: a Jinja template goes through the Jinja renderer (as Hugging Face renders it);
     * a format name, or a template the renderer cannot handle, goes to llama.cpp's built-in formats.
     */
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (JinjaChatTemplate.isJinja(chatTemplate)) {
            String rendered = JinjaChatTemplate.render(chatTemplate, messages, addGenerationPrompt,
                    specialText(vocab.bos()), specialText(vocab.eos()));
            if (rendered != null) {
                return rendered;
            }
        }
        return ChatTemplate.apply(chatTemplate, messages, addGenerationPrompt);
    }

    private String specialText(int token) {
        return token < 0 || token >= vocab.tokenCount() ? "" : vocab.tokenText(token);
    }
}
