package dev.panllama.engine.dp;

import dev.panllama.engine.PanllamaException;
import java.io.Serial;
import java.time.Duration;

/** Requests were still running when the drain timeout passed (vLLM raises TimeoutError); nothing was removed. */
public final class DrainTimeoutException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    public DrainTimeoutException(String what, int stillRunning, Duration timeout) {
        super(what + ": " + stillRunning + " request(s) still running after " + timeout.toMillis() + " ms; try a longer"
                + " drain timeout");
    }
}
