package dev.panllama.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copy-and-check helpers for request parameters: they turn caller collections into immutable copies and report
 * a bad element as an {@link InvalidRequestException} naming the field (the JDK's own copies would throw a bare
 * NullPointerException that names nothing).
 */
final class ParamChecks {
    private ParamChecks() {
    }

    /** An immutable copy, empty for null; null elements are rejected. */
    static <T> List<T> copyList(String field, List<T> values) {
        if (values == null) {
            return List.of();
        }
        // Not values.contains(null): immutable JDK lists throw NullPointerException on that query.
        for (T v : values) {
            if (v == null) {
                throw new InvalidRequestException(field, values, field + " cannot contain null, got " + values + ".");
            }
        }
        return List.copyOf(values);
    }

    /** An immutable copy of a logit-bias map, empty for null; null keys and non-finite biases are rejected. */
    static Map<Integer, Float> copyBias(String field, Map<Integer, Float> bias) {
        if (bias == null) {
            return Map.of();
        }
        Map<Integer, Float> copy = new HashMap<>();
        for (Map.Entry<Integer, Float> e : bias.entrySet()) {
            if (e.getKey() == null) {
                throw new InvalidRequestException(field, bias, field + " keys must be token ids, got null.");
            }
            Float v = e.getValue();
            if (v == null || !Float.isFinite(v)) {
                throw new InvalidRequestException(field, bias,
                        field + " values must be finite numbers, got " + v + " for token " + e.getKey() + ".");
            }
            copy.put(e.getKey(), v);
        }
        return Map.copyOf(copy);
    }

    /** The ids outside [0, vocabSize), in iteration order; empty when all are in the vocabulary. */
    static List<Integer> outOfVocab(Iterable<Integer> ids, int vocabSize) {
        List<Integer> bad = new ArrayList<>();
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                bad.add(id);
            }
        }
        return bad;
    }

    /**
     * A token prompt's ids as an array, each checked against the vocabulary first: llama.cpp indexes its tables by
     * them without a bounds check.
     */
    static int[] promptTokenIds(List<Integer> ids, int vocabSize) {
        List<Integer> bad = outOfVocab(ids, vocabSize);
        if (!bad.isEmpty()) {
            throw new InvalidRequestException("prompt_token_ids", bad.getFirst(), "Token id " + bad.getFirst()
                    + " is out of vocabulary (size " + vocabSize + ")");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code ["a", ""]} rather than {@code [a, ]}, so empty and blank strings are visible in messages. */
    static String quoted(List<String> strings) {
        List<String> q = new ArrayList<>(strings.size());
        for (String s : strings) {
            q.add('"' + s + '"');
        }
        return q.toString();
    }
}
