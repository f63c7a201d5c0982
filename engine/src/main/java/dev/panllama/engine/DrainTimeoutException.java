package dev.panllama.engine;

import java.io.Serial;
import java.time.Duration;

/** Requests were still in the engine when {@link AsyncLLM#waitForRequestsToDrain(Duration)} gave up. */
public final class DrainTimeoutException extends PanllamaException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int remainingRequests;

    public DrainTimeoutException(Duration timeout, int remainingRequests) {
        super("requests did not drain within " + timeout + ": " + remainingRequests + " still in flight");
        this.remainingRequests = remainingRequests;
    }

    /** Requests whose outputs were still open when the wait ended. */
    public int remainingRequests() {
        return remainingRequests;
    }
}
