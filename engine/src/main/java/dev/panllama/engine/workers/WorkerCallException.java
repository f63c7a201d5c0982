package dev.panllama.engine.workers;

import dev.panllama.engine.PanllamaException;
import java.io.Serial;

/**
 * A collective RPC failed on one worker. It names the worker's rank, the method, and the worker's own error
 * (its type and message) so the failure can be traced to the process that raised it.
 */
public class WorkerCallException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int rank;
    private final String method;
    private final String errorType;

    public WorkerCallException(int rank, String method, String errorType, String message) {
        this(rank, method, errorType, message, null);
    }

    public WorkerCallException(int rank, String method, String errorType, String message, Throwable cause) {
        super("worker rank " + rank + " failed in '" + method + "': " + errorType + ": " + message, cause);
        this.rank = rank;
        this.method = method;
        this.errorType = errorType;
    }

    public int rank() {
        return rank;
    }

    public String method() {
        return method;
    }

    /** The worker-side error class (or "unreachable", "unauthorized", "unknown_method", "timeout"). */
    public String errorType() {
        return errorType;
    }
}
