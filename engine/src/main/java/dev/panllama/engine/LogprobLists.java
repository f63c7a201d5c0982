package dev.panllama.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Handling of per-position logprob lists ({@code List<Map<tokenId, Logprob>>}) shared by the output records:
 * immutable copies that keep each position's order (the sampled token first, then the alternatives by rank),
 * concatenation for DELTA merging, and the snake_case view for JSON.
 */
final class LogprobLists {
    private LogprobLists() {
    }

    /**
     * An immutable copy, or null for null. {@code nullPositions} allows null entries: prompt logprobs have
     * none for position 0, which no earlier token predicts.
     */
    static List<Map<Integer, Logprob>> copy(String what, List<Map<Integer, Logprob>> positions,
                                            boolean nullPositions) {
        if (positions == null) {
            return null;
        }
        List<Map<Integer, Logprob>> copy = new ArrayList<>(positions.size());
        for (Map<Integer, Logprob> position : positions) {
            if (position == null) {
                if (!nullPositions) {
                    throw new NullPointerException(what + " has a null position");
                }
                copy.add(null);
                continue;
            }
            Map<Integer, Logprob> entries = new LinkedHashMap<>(position);
            if (entries.containsKey(null) || entries.containsValue(null)) {
                throw new NullPointerException(what + " has a null token id or Logprob: " + position);
            }
            copy.add(Collections.unmodifiableMap(entries));
        }
        return Collections.unmodifiableList(copy);
    }

    /** {@code head} followed by {@code tail}; null only when both are null (no logprobs were asked for). */
    static List<Map<Integer, Logprob>> concat(List<Map<Integer, Logprob>> head, List<Map<Integer, Logprob>> tail) {
        if (tail == null || tail.isEmpty()) {
            return head != null ? head : tail;
        }
        if (head == null || head.isEmpty()) {
            return tail;
        }
        List<Map<Integer, Logprob>> joined = new ArrayList<>(head.size() + tail.size());
        joined.addAll(head);
        joined.addAll(tail);
        return joined;
    }

    /** Token id → {@link Logprob#toSnakeCaseMap()} per position; null stays null, at both levels. */
    static List<Map<Integer, Map<String, Object>>> toSnakeCase(List<Map<Integer, Logprob>> positions) {
        if (positions == null) {
            return null;
        }
        List<Map<Integer, Map<String, Object>>> out = new ArrayList<>(positions.size());
        for (Map<Integer, Logprob> position : positions) {
            if (position == null) {
                out.add(null);
                continue;
            }
            Map<Integer, Map<String, Object>> entries = new LinkedHashMap<>();
            position.forEach((token, logprob) -> entries.put(token, logprob.toSnakeCaseMap()));
            out.add(Collections.unmodifiableMap(entries));
        }
        return Collections.unmodifiableList(out);
    }
}
