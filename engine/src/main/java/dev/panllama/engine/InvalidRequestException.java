package dev.panllama.engine;

import java.io.Serial;

/**
 * A request parameter is out of range or inconsistent with another one, or with the model it is sent to.
 * Mirrors vLLM's {@code VLLMValidationError}: the caller fixes the request, the engine stays healthy, and an
 * HTTP front end maps it to 400 using {@link #field()} (the parameter's vLLM wire name, e.g. {@code "top_p"}).
 */
public class InvalidRequestException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;
    private final transient Object value;

    /**
     * @param field   the offending parameter in vLLM's snake_case ({@code "max_tokens"}, {@code "lora_request"})
     * @param value   the rejected value, or null when the problem is a combination rather than one value
     * @param message names the field, the bad value and what is allowed
     */
    public InvalidRequestException(String field, Object value, String message) {
        super(message);
        this.field = field;
        this.value = value;
    }

    /** The parameter's vLLM (snake_case) name, e.g. {@code "top_p"}. */
    public String field() {
        return field;
    }

    /** The rejected value as given, or null when the error is about a combination of parameters. */
    public Object value() {
        return value;
    }
}
