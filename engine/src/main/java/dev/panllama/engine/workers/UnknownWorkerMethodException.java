package dev.panllama.engine.workers;

import java.io.Serial;

/** The worker has no method of that name: neither a built-in nor one a {@link WorkerMethod} provider registers. */
public final class UnknownWorkerMethodException extends WorkerCallException {
    @Serial
    private static final long serialVersionUID = 1L;

    public UnknownWorkerMethodException(int rank, String method) {
        super(rank, method, "unknown_method", "worker has no method '" + method
                + "': it is neither built in nor registered by a WorkerMethod provider on the worker's classpath");
    }
}
