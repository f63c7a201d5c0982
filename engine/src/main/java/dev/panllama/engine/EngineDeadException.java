package dev.panllama.engine;

import java.io.Serial;

/**
 * The engine has died and will not serve again; mirrors vLLM's {@code EngineDeadError}. It is sticky: once an
 * engine is dead every later submission and every pending stream or control call fails with it, so callers
 * should rebuild the engine rather than retry. The cause, when known, is the failure that killed it.
 */
public final class EngineDeadException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    static final String DEFAULT_MESSAGE = "The engine core died and cannot serve requests; build a new engine.";

    public EngineDeadException() {
        super(DEFAULT_MESSAGE);
    }

    public EngineDeadException(String message) {
        super(message);
    }

    /** The engine died of {@code cause}; the message names it so logs show the root failure at a glance. */
    public EngineDeadException(Throwable cause) {
        super(cause == null ? DEFAULT_MESSAGE : DEFAULT_MESSAGE + " Cause: " + cause, cause);
    }

    public EngineDeadException(String message, Throwable cause) {
        super(message, cause);
    }
}
