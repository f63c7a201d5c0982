package dev.panllama.engine.workers;

import java.io.Serial;
import java.time.Duration;

/** A collective RPC did not answer within its timeout (vLLM: "RPC call to &lt;method&gt; timed out."). */
public final class WorkerTimeoutException extends WorkerCallException {
    @Serial
    private static final long serialVersionUID = 1L;

    public WorkerTimeoutException(int rank, String method, Duration timeout) {
        super(rank, method, "timeout", "RPC call to " + method + " timed out after " + timeout.toMillis() + " ms");
    }
}
