package dev.panllama.engine.output;

import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request's single-slot mailbox: a slow consumer never builds a backlog, it receives merged outputs
 * (DELTA outputs concatenate, the others replace by completion index). An error replaces whatever is
 * pending. Uses a lock and condition rather than monitors so waiting virtual threads do not pin carriers.
 */
public final class RequestOutputCollector {
    private final boolean aggregate;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private RequestOutput pending;
    private RuntimeException error;

    public RequestOutputCollector(RequestOutputKind kind) {
        this.aggregate = kind == RequestOutputKind.DELTA;
    }

    public void put(RequestOutput output) {
        lock.lock();
        try {
            if (error != null) {
                return;
            }
            pending = pending == null ? output : pending.merge(output, aggregate);
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void fail(RuntimeException e) {
        lock.lock();
        try {
            error = e;
            pending = null;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the next (possibly merged) output; rethrows a pushed error. */
    public RequestOutput take() throws InterruptedException {
        lock.lock();
        try {
            while (pending == null && error == null) {
                ready.await();
            }
            return takeLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #take()} but gives up after the timeout, returning null. */
    public RequestOutput poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (pending == null && error == null) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = ready.awaitNanos(nanos);
            }
            return takeLocked();
        } finally {
            lock.unlock();
        }
    }

    private RequestOutput takeLocked() {
        if (error != null) {
            throw error;
        }
        RequestOutput out = pending;
        pending = null;
        return out;
    }
}
