package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.engine.ChatMessage;
import java.util.ArrayList;
import java.util.List;

/** OpenAI's {@code messages}: role plus text content, given as a string or as an array of text parts. */
final class ChatMessagesJson {
    private ChatMessagesJson() {
    }

    static List<ChatMessage> parse(JsonBody body) {
        JsonNode node = body.node("messages");
        if (node == null) {
            throw ApiError.badRequest("'messages' is required.", "messages");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiError.badRequest("'messages' must be a non-empty array of messages.", "messages");
        }
        List<ChatMessage> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode message = node.get(i);
            String at = "messages[" + i + "]";
            if (!message.isObject()) {
                throw ApiError.badRequest("'" + at + "' must be an object.", at);
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual() || role.textValue().isBlank()) {
                throw ApiError.badRequest("'" + at + ".role' must be a non-empty string.", at + ".role");
            }
            messages.add(new ChatMessage(role.textValue(), content(message.get("content"), at + ".content")));
        }
        return messages;
    }

    private static String content(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw ApiError.badRequest("'" + at + "' must be a string or an array of content parts.", at);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            JsonNode type = part.get("type");
            JsonNode partText = part.get("text");
            if (type == null || !"text".equals(type.asText()) || partText == null || !partText.isTextual()) {
                throw ApiError.badRequest("'" + at + "' parts must be {\"type\": \"text\", \"text\": ...}; this model takes text only.", at);
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(partText.textValue());
        }
        return text.toString();
    }
}
