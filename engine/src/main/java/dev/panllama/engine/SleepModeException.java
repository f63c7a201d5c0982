package dev.panllama.engine;

import java.io.Serial;

/**
 * A sleep or wake-up call the engine cannot honour as asked: sleep mode was not enabled in {@link EngineArgs},
 * the level is unknown, or the KV cache was asked to wake before the weights it runs on. The engine is unharmed.
 */
public final class SleepModeException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    public SleepModeException(String message) {
        super(message);
    }
}
