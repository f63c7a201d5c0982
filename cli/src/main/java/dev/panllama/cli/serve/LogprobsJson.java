package dev.panllama.cli.serve;

import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.Logprob;
import dev.panllama.engine.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's per-position logprobs in the two OpenAI shapes: the legacy completions object (parallel arrays
 * with {@code text_offset}) and chat's {@code content} list with bytes and top alternatives. JSON has no
 * infinity, so -inf becomes -9999.0 as in vLLM.
 */
final class LogprobsJson {
    private static final double FLOOR = -9999.0;

    /** The completions object, and the text offset after its last token (the next delta's start). */
    record CompletionLogprobs(Map<String, Object> json, int endOffset) {
    }

    private LogprobsJson() {
    }

    static CompletionLogprobs completion(CompletionOutput completion, int startOffset, Tokenizer tokenizer) {
        List<String> tokens = new ArrayList<>();
        List<Double> tokenLogprobs = new ArrayList<>();
        List<Map<String, Double>> top = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int offset = startOffset;
        List<Map<Integer, Logprob>> positions = completion.logprobs();
        for (int i = 0; i < positions.size(); i++) {
            int sampled = completion.tokenIds().get(i);
            Map<Integer, Logprob> position = positions.get(i);
            String text = tokenText(sampled, position.get(sampled), tokenizer);
            tokens.add(text);
            tokenLogprobs.add(value(position.get(sampled)));
            Map<String, Double> alternatives = new LinkedHashMap<>();
            position.forEach((token, logprob) -> alternatives.putIfAbsent(tokenText(token, logprob, tokenizer), value(logprob)));
            top.add(alternatives);
            offsets.add(offset);
            offset += text.length();
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text_offset", offsets);
        json.put("token_logprobs", tokenLogprobs);
        json.put("tokens", tokens);
        json.put("top_logprobs", top);
        return new CompletionLogprobs(json, offset);
    }

    static Map<String, Object> chat(CompletionOutput completion, int topLogprobs, Tokenizer tokenizer) {
        List<Map<String, Object>> content = new ArrayList<>();
        List<Map<Integer, Logprob>> positions = completion.logprobs();
        for (int i = 0; i < positions.size(); i++) {
            int sampled = completion.tokenIds().get(i);
            Map<Integer, Logprob> position = positions.get(i);
            Map<String, Object> entry = chatEntry(tokenText(sampled, position.get(sampled), tokenizer), position.get(sampled));
            List<Map<String, Object>> alternatives = new ArrayList<>();
            position.entrySet().stream()
                    .filter(e -> e.getValue().rank() <= topLogprobs)
                    .sorted(Comparator.comparingInt(e -> e.getValue().rank()))
                    .limit(topLogprobs)
                    .forEach(e -> alternatives.add(chatEntry(tokenText(e.getKey(), e.getValue(), tokenizer), e.getValue())));
            entry.put("top_logprobs", alternatives);
            content.add(entry);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("content", content);
        json.put("refusal", null);
        return json;
    }

    private static Map<String, Object> chatEntry(String token, Logprob logprob) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("token", token);
        entry.put("logprob", value(logprob));
        byte[] utf8 = token.getBytes(StandardCharsets.UTF_8);
        List<Integer> bytes = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            bytes.add(b & 0xFF);
        }
        entry.put("bytes", bytes);
        return entry;
    }

    private static String tokenText(int token, Logprob logprob, Tokenizer tokenizer) {
        return logprob != null && logprob.decodedToken() != null ? logprob.decodedToken() : tokenizer.decode(List.of(token), false);
    }

    private static double value(Logprob logprob) {
        if (logprob == null || Float.isNaN(logprob.logprob())) {
            return FLOOR;
        }
        return Math.max(FLOOR, logprob.logprob());
    }
}
