package dev.panllama.engine;

import dev.panllama.engine.output.RequestOutputCollector;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outputs of one request, readable three ways: as a blocking {@link Iterator} (virtual-thread friendly),
 * as a {@link Flow.Publisher} for one subscriber, or through {@link #finalOutput()}. The last output is the
 * only one with {@code finished == true}. Closing the stream, cancelling the subscription or interrupting a
 * waiting reader aborts the request.
 */
public final class RequestStream implements Iterator<RequestOutput>, Flow.Publisher<RequestOutput>, AutoCloseable {
    private final String requestId;
    private final RequestOutputCollector collector;
    private final Runnable abort;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile boolean done;
    private RequestOutput buffered;

    RequestStream(String requestId, RequestOutputCollector collector, Runnable abort) {
        this.requestId = requestId;
        this.collector = collector;
        this.abort = abort;
    }

    public String requestId() {
        return requestId;
    }

    /**
     * Blocks until the next output or the end of the stream.
     *
     * @throws EngineDeadException when the engine died while the request ran
     */
    @Override
    public boolean hasNext() {
        if (buffered != null) {
            return true;
        }
        if (done) {
            return false;
        }
        try {
            buffered = collector.take();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new CancellationException("interrupted while waiting for " + requestId + "; the request was aborted");
        }
    }

    @Override
    public RequestOutput next() {
        if (!hasNext()) {
            throw new NoSuchElementException("request " + requestId + " has finished");
        }
        RequestOutput out = buffered;
        buffered = null;
        if (out.finished()) {
            done = true;
        }
        return out;
    }

    /** Reads to the end and returns the finished output (for DELTA streams this is only the last delta). */
    public RequestOutput finalOutput() {
        RequestOutput last = null;
        while (hasNext()) {
            last = next();
        }
        if (last == null) {
            throw new NoSuchElementException("request " + requestId + " was already consumed");
        }
        return last;
    }

    /** Aborts the request if it has not finished; a no-op afterwards. */
    @Override
    public void close() {
        if (!done) {
            done = true;
            abort.run();
        }
    }

    /** Delivers the outputs to one subscriber on a virtual thread, honouring its demand. */
    @Override
    public void subscribe(Flow.Subscriber<? super RequestOutput> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) { }
                @Override public void cancel() { }
            });
            subscriber.onError(new IllegalStateException("request " + requestId + " already has a subscriber"));
            return;
        }
        AtomicLong demand = new AtomicLong();
        AtomicBoolean cancelled = new AtomicBoolean();
        Object signal = new Object();
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    cancel();
                    subscriber.onError(new IllegalArgumentException("demand must be positive (Flow rule 3.9), got " + n));
                    return;
                }
                demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
                synchronized (signal) {
                    signal.notifyAll();
                }
            }

            @Override
            public void cancel() {
                if (cancelled.compareAndSet(false, true)) {
                    close();
                    synchronized (signal) {
                        signal.notifyAll();
                    }
                }
            }
        });
        // started after onSubscribe so no signal can precede it (Flow rule 1.9)
        Thread.ofVirtual().name("panllama-stream-" + requestId).start(() -> {
            try {
                while (!cancelled.get() && hasNext()) {
                    synchronized (signal) {
                        while (demand.get() == 0 && !cancelled.get()) {
                            signal.wait();
                        }
                    }
                    if (cancelled.get()) {
                        break;
                    }
                    demand.decrementAndGet();
                    subscriber.onNext(next());
                }
                if (!cancelled.get()) {
                    subscriber.onComplete();
                }
            } catch (InterruptedException e) {
                close();
            } catch (RuntimeException e) {
                if (!cancelled.get()) {
                    subscriber.onError(e);
                }
            }
        });
    }
}
