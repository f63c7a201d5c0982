package dev.panllama.engine.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.panllama.engine.ChatMessage;
import dev.panllama.engine.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a model's Jinja chat template the way Hugging Face's tokenizers do: {@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and {@code raise_exception}.
 * Returns null when the template uses something this renderer cannot do, so the caller can fall back to
 * llama.cpp's built-in formats.
 */
public final class JinjaChatTemplate {
    private static final Jinjava JINJA = create();
    /** Jinjava swallows exceptions thrown by template functions; the raised message travels here instead. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private JinjaChatTemplate() {}

    /** True for text that is a Jinja template rather than a format name such as "chatml". */
    public static boolean isJinja(String template) {
        return template != null && (template.contains("{%") || template.contains("{{"));
    }

    public static String render(String template, List<ChatMessage> messages, boolean addGenerationPrompt,
                                String bosToken, String eosToken) {
        List<Map<String, Object>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new HashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken == null ? "" : bosToken);
        context.put("eos_token", eosToken == null ? "" : eosToken);
        RAISED.remove();
        RenderResult result = JINJA.renderForResult(template, context);
        String raised = RAISED.get();
        RAISED.remove();
        if (raised != null) {
            throw new InvalidRequestException("messages", null, "the chat template rejected the messages: " + raised);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                return null;
            }
        }
        return result.getOutput();
    }

    /** Templates call raise_exception for malformed conversations; {@link #render} reports it as an invalid request. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new IllegalArgumentException(message);
    }

    private static Jinjava create() {
        // Python Jinja semantics that chat templates rely on: trimmed blocks and no HTML escaping
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withFailOnUnknownTokens(false).build();
        Jinjava jinja = new Jinjava(config);
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", String.class));
        return jinja;
    }
}
