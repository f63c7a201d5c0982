package dev.panllama.engine;

import java.io.Serial;

/** Profiling was asked for but no profile directory is configured (see {@link EngineObservability}). */
public final class ProfilingNotConfiguredException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    public ProfilingNotConfiguredException(String message) {
        super(message);
    }
}
