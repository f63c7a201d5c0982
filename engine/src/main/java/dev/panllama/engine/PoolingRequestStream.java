package dev.panllama.engine;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The outputs of one pooling request: exactly one final {@link PoolingRequestOutput} (FINAL_ONLY). Iterate it like
 * a generation stream, block on {@link #get()}, or compose {@link #future()}. Closing it before the result arrives
 * aborts the request.
 */
public final class PoolingRequestStream implements Iterator<PoolingRequestOutput>, AutoCloseable {
    private final String requestId;
    private final CompletableFuture<PoolingRequestOutput> future;
    private final Runnable abort;
    private boolean delivered;

    PoolingRequestStream(String requestId, CompletableFuture<PoolingRequestOutput> future, Runnable abort) {
        this.requestId = requestId;
        this.future = future;
        this.abort = abort;
    }

    public String requestId() {
        return requestId;
    }

    /** Completes with the output, or exceptionally with the engine's error ({@link EngineDeadException}, ...). */
    public CompletableFuture<PoolingRequestOutput> future() {
        return future.copy();
    }

    /**
     * Waits for the output.
     *
     * @throws EngineDeadException  when the engine died or shut down first
     * @throws NativeCallException  when llama.cpp failed on the batch this request was in
     */
    public PoolingRequestOutput get() {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for " + requestId);
        } catch (ExecutionException | CompletionException e) {
            throw rethrowable(e.getCause() != null ? e.getCause() : e);
        }
    }

    private RuntimeException rethrowable(Throwable cause) {
        if (cause instanceof PanllamaException p) {
            return p;
        }
        return new NativeCallException("encoding " + requestId + " failed: " + cause.getMessage(), cause);
    }

    @Override
    public boolean hasNext() {
        return !delivered;
    }

    @Override
    public PoolingRequestOutput next() {
        if (delivered) {
            throw new NoSuchElementException("the pooling output of " + requestId + " was already delivered");
        }
        PoolingRequestOutput output = get();
        delivered = true;
        return output;
    }

    /** Aborts the request if its output has not arrived; idempotent. */
    @Override
    public void close() {
        if (!future.isDone()) {
            abort.run();
        }
    }
}
