package dev.panllama.cli.serve;

import java.io.IOException;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.StaticException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices an HTTP/1.1 client that closes or resets its connection while its request is being handled, at the
 * moment the peer's FIN or RST arrives rather than on the next write.
 *
 * <p>Jetty does not read an HTTP/1.1 connection while a request is handled (it would consume pipelined
 * requests), so on its own it learns of a client that left only when a write fails. Once the request body has
 * been read, nobody else wants to read the connection until the response completes, so the watch takes the
 * endpoint's read interest for that time. When the socket becomes readable, the pending byte count tells the two
 * causes apart without reading anything: none, twice (see {@link #succeeded()}), means end of stream or reset (the
 * client is gone, as Jetty also treats an end of stream), some means a pipelined request, which stays untouched in
 * the socket for Jetty to read after this response; the watch then ends and a disconnect is noticed on a write,
 * as before.
 *
 * <p>Jetty closes a connection that still has read interest when its response completes, so {@link #disarm()}
 * must run before the handler's callback completes.
 */
final class ClientCloseWatch implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCloseWatch.class);
    /** Marks the watch's own withdrawal, so that {@link #failed} can tell it from a failing connection. */
    private static final Throwable WITHDRAWN = new StaticException("client close watch withdrawn");
    /** For requests the watch cannot follow (not HTTP/1.x over a plain socket, or someone else reads). */
    private static final ClientCloseWatch NONE = new ClientCloseWatch(null, null);

    private final SocketChannelEndPoint endPoint;
    private final Runnable onClientGone;
    /** Disarmed, or the watch reached its verdict; guarded by this, as are the two below. */
    private boolean done;
    /** A wake-up found nothing to read: the next one, after a fresh select, settles it. */
    private boolean suspect;

    private ClientCloseWatch(SocketChannelEndPoint endPoint, Runnable onClientGone) {
        this.endPoint = endPoint;
        this.onClientGone = onClientGone;
        this.done = endPoint == null;
    }

    /**
     * Starts watching the request's connection; {@code onClientGone} runs once, on its own virtual thread, if the
     * client leaves before {@link #disarm()}. Call it only after the request body has been read to its end.
     */
    static ClientCloseWatch arm(Request request, Runnable onClientGone) {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0
                || !(endPoint instanceof SocketChannelEndPoint socket)) {
            return NONE;
        }
        ClientCloseWatch watch = new ClientCloseWatch(socket, onClientGone);
        if (!socket.tryFillInterested(watch)) {
            return NONE;
        }
        return watch;
    }

    /**
     * Readable: end of stream or reset when nothing is pending, else the start of a pipelined request. A wake-up
     * can also be stale: the selector may have seen this request's own bytes arrive while Jetty was already reading
     * them, and run the callback registered since. So an empty wake-up is confirmed by a second one after a fresh
     * select, which only a closed or reset connection gives.
     */
    @Override
    public void succeeded() {
        int pending;
        try {
            // FIONREAD: counts the bytes waiting without taking them; the stream is not closed (that would close
            // the channel), only dropped
            pending = endPoint.getChannel().socket().getInputStream().available();
        } catch (IOException e) {
            pending = 0;
        }
        synchronized (this) {
            if (done) {
                return;
            }
            if (pending > 0) {
                done = true;
                LOG.debug("{} sent {} bytes of a pipelined request; a disconnect is now noticed on write", endPoint, pending);
                return;
            }
            if (!suspect) {
                suspect = true;
                if (endPoint.tryFillInterested(this)) {
                    return;
                }
            }
            done = true;
        }
        clientGone("closed");
    }

    /** The connection failed or closed while watched (not the watch's own withdrawal). */
    @Override
    public void failed(Throwable failure) {
        if (failure == WITHDRAWN) {
            return;
        }
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
        }
        clientGone(failure.toString());
    }

    private void clientGone(String how) {
        LOG.debug("client of {} left ({}): aborting its request", endPoint, how);
        // off the selector thread: aborting takes the output processor's lock
        Thread.ofVirtual().name("panllama-client-gone").start(onClientGone);
    }

    /** Gives the endpoint's read interest back to Jetty, unless the watch already reached its verdict. Idempotent. */
    void disarm() {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
        }
        // the handler has not completed, so the interest registered is the watch's, or none if it is firing now
        endPoint.getFillInterest().onFail(WITHDRAWN);
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }
}
