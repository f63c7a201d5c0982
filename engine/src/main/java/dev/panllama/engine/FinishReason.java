package dev.panllama.engine;

import java.util.Locale;

/** Why a completion stopped; {@link #wireName()} is the string vLLM and the OpenAI API put in {@code finish_reason}. */
public enum FinishReason {
    /** EOS, a stop token id or a stop string; {@link CompletionOutput#stopReason()} says which (null for EOS). */
    STOP,
    /** {@code max_tokens} reached, or the context ({@code max_model_len}) is full. */
    LENGTH,
    /** Aborted by a caller or by the engine (e.g. shutdown); not an error for the stream's consumer. */
    ABORT,
    /** A request-scoped internal failure; the engine itself is still healthy. HTTP front ends map it to 500. */
    ERROR,
    /** Repetition detection stopped a looping completion. */
    REPETITION;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** Lower-case name as on the wire: {@code "stop"}, {@code "length"}, {@code "abort"}, {@code "error"}, ... */
    public String wireName() {
        return wireName;
    }

    /** The constant whose {@link #wireName()} is {@code wireName}; throws IllegalArgumentException if none. */
    public static FinishReason fromWireName(String wireName) {
        for (FinishReason reason : values()) {
            if (reason.wireName.equals(wireName)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("unknown finish_reason: " + wireName);
    }
}
