package dev.panllama.engine.workers;

import java.io.Serial;

/** The worker has no method of that name: neither a built-in nor one a {@link WorkerMethod} provider registers. */
public final class UnknownWorkerMethodException extends WorkerCallException {
    @Serial
    private static final long serialVersionUID = 1L;

    public UnknownWorkerMethodException(int rank, String method) {
        super(rank, method, "unknown_method", "Method '" + method + "' is not implemented.");
    }
}
