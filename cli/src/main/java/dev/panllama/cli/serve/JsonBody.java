package dev.panllama.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's JSON object with typed reads: a field of the wrong type is a 400 naming it, so handlers never
 * see a value they did not ask for. Absent and {@code null} fields read as null (the API's "use the default").
 * Unknown fields are ignored, as OpenAI-compatible servers do, so newer clients keep working.
 */
public final class JsonBody {
    private final ObjectNode root;
    private final String prefix;

    private JsonBody(ObjectNode root, String prefix) {
        this.root = root;
        this.prefix = prefix;
    }

    public static JsonBody parse(ObjectMapper mapper, byte[] bytes) {
        JsonNode node;
        try {
            node = mapper.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("The request body is not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw ApiError.badRequest("The request body could not be read: " + e.getMessage(), null);
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("The request body must be a JSON object.", null);
        }
        return new JsonBody((ObjectNode) node, "");
    }

    /** A nested object such as {@code stream_options}; null when absent. */
    public JsonBody object(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw wrongType(field, "an object");
        }
        return new JsonBody((ObjectNode) node, name(field) + ".");
    }

    public boolean has(String field) {
        return node(field) != null;
    }

    /** The raw node, or null when absent or JSON null. */
    public JsonNode node(String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node;
    }

    public String string(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw wrongType(field, "a string");
        }
        return node.textValue();
    }

    public Boolean bool(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isBoolean()) {
            throw wrongType(field, "a boolean");
        }
        return node.booleanValue();
    }

    public boolean bool(String field, boolean fallback) {
        Boolean value = bool(field);
        return value != null ? value : fallback;
    }

    public Integer integer(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw wrongType(field, "an integer");
        }
        return node.intValue();
    }

    public Long longInteger(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw wrongType(field, "a 64-bit integer");
        }
        return node.longValue();
    }

    public Double number(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            throw wrongType(field, "a number");
        }
        return node.doubleValue();
    }

    /** A string or an array of strings (OpenAI's {@code stop}); null when absent. */
    public List<String> stringOrStrings(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        return strings(field);
    }

    public List<String> strings(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw wrongType(field, "an array of strings");
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw wrongType(field, "an array of strings");
            }
            values.add(item.textValue());
        }
        return values;
    }

    public List<Integer> integers(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        return integers(node, field);
    }

    /** The items of an integer array node; a 400 naming {@code field} otherwise. */
    public List<Integer> integers(JsonNode node, String field) {
        if (!node.isArray()) {
            throw wrongType(field, "an array of integers");
        }
        List<Integer> values = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                throw wrongType(field, "an array of integers");
            }
            values.add(item.intValue());
        }
        return values;
    }

    /** OpenAI's {@code logit_bias}: token ids as object keys, numeric biases. */
    public Map<Integer, Float> tokenBiases(String field) {
        JsonNode node = node(field);
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw wrongType(field, "an object of token id to bias");
        }
        Map<Integer, Float> biases = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            int token;
            try {
                token = Integer.parseInt(entry.getKey());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("'" + name(field) + "' keys must be token ids, got '" + entry.getKey() + "'.", name(field));
            }
            if (!entry.getValue().isNumber()) {
                throw wrongType(field, "an object of token id to numeric bias");
            }
            biases.put(token, entry.getValue().floatValue());
        }
        return biases;
    }

    public ApiError wrongType(String field, String expected) {
        return ApiError.badRequest("'" + name(field) + "' must be " + expected + ".", name(field));
    }

    private String name(String field) {
        return prefix + field;
    }
}
