package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_chat_message;
import dev.panllama.engine.ChatMessage;
import dev.panllama.engine.UnsupportedModelException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * llama.cpp's built-in chat formats: it recognises a model's Jinja template (or a format name such as
 * "chatml", "llama3") and renders messages without a Jinja engine.
 */
public final class ChatTemplate {
    private ChatTemplate() {}

    /** The model's own template from its metadata, or null when it has none. */
    public static String of(Model model) {
        try (Arena call = Arena.ofConfined()) {
            return CString.read(LlamaCpp.llama_model_chat_template(model.handle(), MemorySegment.NULL));
        }
    }

    /**
     * Renders a conversation.
     *
     * @param template            a Jinja template llama.cpp recognises, or a built-in format name
     * @param addGenerationPrompt end with the tokens that open the assistant's reply
     */
    public static String apply(String template, List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (template == null) {
            throw new UnsupportedModelException("the model has no chat template; pass one (e.g. \"chatml\") in the engine args");
        }
        NativeLibrary.load();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment chat = llama_chat_message.allocateArray(messages.size(), call);
            long chars = 0;
            for (int i = 0; i < messages.size(); i++) {
                MemorySegment m = llama_chat_message.asSlice(chat, i);
                llama_chat_message.role(m, call.allocateFrom(messages.get(i).role()));
                llama_chat_message.content(m, call.allocateFrom(messages.get(i).content()));
                chars += messages.get(i).content().length() + messages.get(i).role().length();
            }
            MemorySegment tmpl = call.allocateFrom(template);
            int capacity = (int) Math.min(Integer.MAX_VALUE, Math.max(256, chars * 2 + 256));
            MemorySegment buf = call.allocate(capacity);
            int n = LlamaCpp.llama_chat_apply_template(tmpl, chat, messages.size(), addGenerationPrompt, buf, capacity);
            if (n > capacity) {
                buf = call.allocate(n);
                n = LlamaCpp.llama_chat_apply_template(tmpl, chat, messages.size(), addGenerationPrompt, buf, n);
            }
            if (n < 0) {
                throw new UnsupportedModelException("llama.cpp does not recognise this chat template; pass a known format"
                        + " name (chatml, llama3, mistral-v7, ...) as the chat template");
            }
            return new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }
}
