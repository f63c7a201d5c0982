package dev.panllama.engine.workers;

import java.io.Serial;

/** A worker that holds part of the model stopped answering: the replica cannot compute any more. */
public final class WorkerLostException extends WorkerCallException {
    @Serial
    private static final long serialVersionUID = 1L;

    public WorkerLostException(int rank, String endpoint, String why) {
        super(rank, "health_check", "worker_lost", "worker at " + endpoint + " is lost (" + why + "); the part of the"
                + " model it held is gone, so this engine cannot serve any more: restart the worker and the engine");
    }
}
