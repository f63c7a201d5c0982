package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.engine.ChatMessage;
import dev.panllama.engine.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vLLM's {@code POST /tokenize} (a prompt, or chat messages through the chat template) and
 * {@code POST /detokenize}, with vLLM's request and response fields.
 */
final class TokenizationEndpoints implements ApiEndpoints {
    private final ServedModel model;

    TokenizationEndpoints(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/tokenize", this::tokenize);
        routes.post("/detokenize", this::detokenize);
    }

    private void tokenize(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        model.resolve(body.string("model"));
        Tokenizer tokenizer = model.llm().getTokenizer();
        List<Integer> tokens;
        if (body.has("messages")) {
            List<ChatMessage> messages = ChatMessagesJson.parse(body);
            String text = tokenizer.applyChatTemplate(messages, body.bool("add_generation_prompt", true));
            tokens = tokenizer.encode(text, body.bool("add_special_tokens", false));
        } else {
            String prompt = body.string("prompt");
            if (prompt == null) {
                throw ApiError.badRequest("Either 'prompt' or 'messages' is required.", "prompt");
            }
            tokens = tokenizer.encode(prompt, body.bool("add_special_tokens", true));
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("count", tokens.size());
        response.put("max_model_len", model.llm().maxModelLen());
        response.put("tokens", tokens);
        if (body.bool("return_token_strs", false)) {
            List<String> pieces = new ArrayList<>(tokens.size());
            for (int token : tokens) {
                pieces.add(tokenizer.decode(List.of(token), false));
            }
            response.put("token_strs", pieces);
        } else {
            response.put("token_strs", null);
        }
        exchange.sendJson(200, response);
    }

    private void detokenize(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        model.resolve(body.string("model"));
        JsonNode node = body.node("tokens");
        if (node == null) {
            throw ApiError.badRequest("'tokens' is required.", "tokens");
        }
        List<Integer> tokens = body.integers(node, "tokens");
        Tokenizer tokenizer = model.llm().getTokenizer();
        for (int token : tokens) {
            if (token < 0 || token >= tokenizer.vocabSize()) {
                throw ApiError.badRequest("Token id " + token + " is out of vocabulary [0, " + tokenizer.vocabSize() + ").", "tokens");
            }
        }
        exchange.sendJson(200, Map.of("prompt", tokenizer.decode(tokens, false)));
    }
}
