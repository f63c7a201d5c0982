package dev.panllama.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.ChatMessage;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.models.VocabFiles;
import dev.panllama.engine.nativeapi.ChatTemplate;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Jinja renderer and llama.cpp's built-in formats agree on a real model's template. */
class ChatTemplateTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are terse."), ChatMessage.user("Hi!"), ChatMessage.assistant("Hello."),
            ChatMessage.user("Tell me a joke."));

    @Test
    void qwen2TemplateRendersLikeLlamaCppsBuiltIn() {
        try (Model qwen = Model.load(VocabFiles.find("qwen2"), ModelParams.defaults().withVocabOnly(true))) {
            String template = ChatTemplate.of(qwen);
            assertNotNull(template, "llama.cpp's qwen2 vocab file carries the model's chat template");
            assertTrue(JinjaChatTemplate.isJinja(template));
            String jinja = JinjaChatTemplate.render(template, CONVERSATION, true, "", "<|endoftext|>");
            String builtIn = ChatTemplate.apply(template, CONVERSATION, true);
            assertEquals(builtIn, jinja);
            assertTrue(jinja.endsWith("<|im_start|>assistant\n"), jinja);
        }
    }

    @Test
    void raiseExceptionBecomesAnInvalidRequest() {
        String strict = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first turn must be user') }}{% endif %}ok";
        assertEquals("ok", JinjaChatTemplate.render(strict, List.of(ChatMessage.user("x")), false, "", ""));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> JinjaChatTemplate.render(strict, List.of(ChatMessage.system("x")), false, "", ""));
        assertTrue(e.getMessage().contains("first turn must be user"), e.getMessage());
    }

    @Test
    void formatNamesAreNotJinja() {
        assertTrue(!JinjaChatTemplate.isJinja("chatml"));
        String chatml = ChatTemplate.apply("chatml", List.of(ChatMessage.user("Hi")), true);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", chatml);
    }
}
