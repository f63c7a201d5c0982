package dev.panllama.engine;

import java.io.Serial;
import java.time.Duration;

/**
 * Requests were still in the engine when a wait for them to end gave up: {@link AsyncLLM#waitForRequestsToDrain(Duration)},
 * or a data-parallel scale-down (vLLM raises TimeoutError), which then removed nothing.
 */
public final class DrainTimeoutException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int remainingRequests;

    /** @param what the wait that gave up, e.g. "scaling down to 1 core(s)" */
    public DrainTimeoutException(String what, int remainingRequests, Duration timeout) {
        super(what + ": " + remainingRequests + " request(s) still running after " + timeout.toMillis() + " ms; try a"
                + " longer drain timeout");
        this.remainingRequests = remainingRequests;
    }

    /** Requests still in flight when the wait ended. */
    public int remainingRequests() {
        return remainingRequests;
    }
}
