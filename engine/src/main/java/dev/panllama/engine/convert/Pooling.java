package dev.panllama.engine.convert;

import java.util.Locale;

/** How a converted encoder turns per-token states into one vector; the value is llama.cpp's {@code llama_pooling_type}. */
public enum Pooling {
    MEAN(1),
    CLS(2);

    private final int ggufValue;

    Pooling(int ggufValue) {
        this.ggufValue = ggufValue;
    }

    int ggufValue() {
        return ggufValue;
    }

    /** Parses "mean" or "cls" (any case). */
    public static Pooling parse(String name) {
        for (Pooling p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + name + "': use mean or cls");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
