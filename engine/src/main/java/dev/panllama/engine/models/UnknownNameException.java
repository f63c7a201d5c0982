package dev.panllama.engine.models;

import dev.panllama.engine.PanllamaException;
import java.util.List;

/** A name that matches none of a fixed set (a model preset, a quantization type); the message lists the choices. */
public final class UnknownNameException extends PanllamaException {
    private final String kind;
    private final String name;
    private final List<String> known;

    public UnknownNameException(String kind, String name, List<String> known) {
        super("unknown " + kind + " '" + name + "'; known: " + String.join(", ", known));
        this.kind = kind;
        this.name = name;
        this.known = List.copyOf(known);
    }

    /** What was looked up, e.g. "model preset". */
    public String kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    public List<String> known() {
        return known;
    }
}
