package dev.panllama.engine;

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
        return Arrays.stream(vocab.tokenize(text, addSpecialTokens, true)).boxed().toList();
    }

    public String decode(List<Integer> tokenIds, boolean skipSpecialTokens) {
        int[] ids = tokenIds.stream().mapToInt(Integer::intValue).toArray();
        return vocab.detokenize(ids, skipSpecialTokens, !skipSpecialTokens);
    }

    /** The chat template in use (the engine args' override, else the model's), or null. */
    public String chatTemplate() {
        return chatTemplate;
    }

    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return ChatTemplate.apply(chatTemplate, messages, addGenerationPrompt);
    }
}
