package dev.panllama.engine.convert;

import dev.panllama.engine.gguf.GgufWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} WordPiece vocabulary in the form llama.cpp's {@code bert} tokenizer reads:
 * tokens in id order with the "phantom space" convention (a word-initial piece gets a leading U+2581, a
 * {@code ##} continuation loses its prefix, special tokens stay as they are), token types (3 = control for
 * special tokens, 1 = normal), the special token ids, and the BertNormalizer's lowercase/strip-accents flags.
 */
record WordPieceVocab(List<String> tokens, int[] tokenTypes, int clsId, int sepId, int unkId, int padId, int maskId,
                      boolean lowercase, boolean stripAccents) {
    static final int TYPE_NORMAL = 1;
    static final int TYPE_CONTROL = 3;
    private static final String PHANTOM_SPACE = "\u2581";

    static WordPieceVocab read(Path tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new ConversionException(tokenizerJson + ": not a readable tokenizer.json (" + e.getMessage() + ")", e);
        }
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new ConversionException(tokenizerJson + ": model.type is '" + model.path("type").asText()
                    + "'; only WordPiece (BERT) tokenizers can be converted");
        }
        String continuing = model.path("continuing_subword_prefix").asText("##");
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new ConversionException(tokenizerJson + ": model.vocab is missing or empty");
        }
        String[] byId = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new ConversionException(tokenizerJson + ": vocab ids are not a permutation of 0.." + (byId.length - 1)
                        + " (token '" + e.getKey() + "' has id " + e.getValue() + ")");
            }
            byId[id] = e.getKey();
        }
        Set<Integer> special = new HashSet<>();
        for (JsonNode added : root.path("added_tokens")) {
            if (added.path("special").asBoolean(false)) {
                special.add(added.path("id").asInt());
            }
        }
        List<String> tokens = new ArrayList<>(byId.length);
        int[] types = new int[byId.length];
        for (int id = 0; id < byId.length; id++) {
            boolean control = special.contains(id);
            types[id] = control ? TYPE_CONTROL : TYPE_NORMAL;
            String piece = byId[id];
            tokens.add(control ? piece : piece.startsWith(continuing) ? piece.substring(continuing.length()) : PHANTOM_SPACE + piece);
        }
        List<String> raw = Arrays.asList(byId);
        JsonNode normalizer = root.path("normalizer");
        boolean lowercase = normalizer.path("lowercase").asBoolean(true);
        JsonNode strip = normalizer.path("strip_accents");
        boolean stripAccents = strip.isBoolean() ? strip.asBoolean() : lowercase;
        return new WordPieceVocab(List.copyOf(tokens), types,
                required(raw, "[CLS]", tokenizerJson), required(raw, "[SEP]", tokenizerJson),
                required(raw, model.path("unk_token").asText("[UNK]"), tokenizerJson),
                optional(raw, "[PAD]"), optional(raw, "[MASK]"), lowercase, stripAccents);
    }

    private static int required(List<String> raw, String token, Path file) {
        int id = raw.indexOf(token);
        if (id < 0) {
            throw new ConversionException(file + ": the vocabulary has no " + token + " token, which BERT input needs");
        }
        return id;
    }

    private static int optional(List<String> raw, String token) {
        return raw.indexOf(token);
    }

    /** Writes the {@code tokenizer.ggml.*} keys llama.cpp's bert vocab loader reads. */
    void writeTo(GgufWriter gguf, int tokenTypeCount) {
        gguf.putString("tokenizer.ggml.model", "bert");
        gguf.putString("tokenizer.ggml.pre", "default");
        gguf.putStrings("tokenizer.ggml.tokens", tokens);
        gguf.putInt32s("tokenizer.ggml.token_type", tokenTypes);
        gguf.putUint32("tokenizer.ggml.token_type_count", tokenTypeCount);
        gguf.putUint32("tokenizer.ggml.bos_token_id", clsId);
        gguf.putUint32("tokenizer.ggml.cls_token_id", clsId);
        gguf.putUint32("tokenizer.ggml.seperator_token_id", sepId);
        gguf.putUint32("tokenizer.ggml.unknown_token_id", unkId);
        if (padId >= 0) {
            gguf.putUint32("tokenizer.ggml.padding_token_id", padId);
        }
        if (maskId >= 0) {
            gguf.putUint32("tokenizer.ggml.mask_token_id", maskId);
        }
        gguf.putBool("tokenizer.ggml.add_bos_token", true);
        gguf.putBool("tokenizer.ggml.add_sep_token", true);
        gguf.putBool("tokenizer.ggml.add_eos_token", false);
        gguf.putBool("tokenizer.ggml.normalizer.lowercase", lowercase);
        gguf.putBool("tokenizer.ggml.normalizer.strip_accents", stripAccents);
    }
}
