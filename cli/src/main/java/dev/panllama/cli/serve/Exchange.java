package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

/**
 * One HTTP request and its response, as endpoints see them. Handlers run on virtual threads, so every read
 * and write here blocks; a write to a client that went away throws {@link IOException}.
 */
public final class Exchange {
    private final Request request;
    private final Response response;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;
    /** One blocking callback for every write of this response: a stream writes one event per token. */
    private final Blocker.Shared writes = new Blocker.Shared();
    private boolean bodyRead;
    private ClientCloseWatch closeWatch;

    Exchange(Request request, Response response, ObjectMapper mapper, long maxBodyBytes) {
        this.request = request;
        this.response = response;
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    public String method() {
        return request.getMethod();
    }

    public String path() {
        return Request.getPathInContext(request);
    }

    public String header(String name) {
        return request.getHeaders().get(name);
    }

    /** A query parameter's value, or null. */
    public String query(String name) {
        return Request.extractQueryParameters(request).getValue(name);
    }

    /** Every value of a repeatable query parameter, in order; empty when absent. */
    public java.util.List<String> queryValues(String name) {
        java.util.List<String> values = Request.extractQueryParameters(request).getValues(name);
        return values == null ? java.util.List.of() : values;
    }

    /** An integer query parameter; a 400 naming it when it is not one. */
    public Integer queryInteger(String name) {
        String value = query(name);
        if (value == null) {
            return null;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("Query parameter '" + name + "' must be an integer, got '" + value + "'.", name);
        }
    }

    /** A boolean query parameter ("true"/"false", case-insensitive); a 400 naming it for anything else. */
    public boolean queryFlag(String name, boolean fallback) {
        String value = query(name);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiError.badRequest("Query parameter '" + name + "' must be true or false, got '" + value + "'.", name);
        };
    }

    /**
     * The body, at most the configured size: 413 beyond it, whether declared by Content-Length or not. A body up
     * to a few times the limit is read and dropped first, so a client still sending it reads the 413 rather than
     * a reset connection; a larger one is refused at once.
     */
    public byte[] body() throws IOException {
        if (request.getLength() > drainLimit()) {
            throw ApiError.tooLarge(maxBodyBytes);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (bytes.length > maxBodyBytes) {
                drain(in);
                throw ApiError.tooLarge(maxBodyBytes);
            }
            bodyRead = true;
            return bytes;
        }
    }

    /**
     * Reads and drops what is left of the body before an error answer, so the connection stays usable: Jetty
     * closes a connection whose request body was left unread, and a client that reuses it then fails.
     */
    void discardBody() {
        if (request.getLength() > drainLimit()) {
            return;
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            drain(in);
        } catch (IOException | RuntimeException e) {
            // the answer goes out regardless; Jetty closes the connection if the body could not be read
        }
    }

    private long drainLimit() {
        return maxBodyBytes * 4 + (1 << 20);
    }

    private void drain(InputStream in) throws IOException {
        long dropped = 0;
        while (dropped < drainLimit() && in.read() >= 0) {
            dropped += 1 + in.skip(drainLimit() - dropped);
        }
    }

    /** The body as a JSON object. */
    public JsonBody json() throws IOException {
        return JsonBody.parse(mapper, body());
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public void sendJson(int status, Object body) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        write(true, ByteBuffer.wrap(bytes));
    }

    /** A text body with the given content type (e.g. Prometheus' exposition format). */
    public void sendText(int status, String contentType, String text) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        write(true, ByteBuffer.wrap(bytes));
    }

    public void sendEmpty(int status) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        write(true, ByteBuffer.allocate(0));
    }

    /** Commits a 200 {@code text/event-stream} response; events follow through the returned sink. */
    public ServerSentEvents startEventStream() {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        return new ServerSentEvents(this, mapper);
    }

    /**
     * Runs {@code action} if the client leaves while the request is handled: as soon as its connection's FIN or
     * RST arrives (see {@link ClientCloseWatch}; HTTP/1.x, once the body was read), or when Jetty sees the
     * connection fail on a read or write. The action may run more than once and must be idempotent.
     */
    public void onClientGone(Runnable action) {
        request.addFailureListener(failure -> action.run());
        if (bodyRead && closeWatch == null) {
            closeWatch = ClientCloseWatch.arm(request, action);
        }
    }

    /** Ends the close watch before the response completes (Jetty closes a connection left with read interest). */
    void stopWatchingClient() {
        if (closeWatch != null) {
            closeWatch.disarm();
        }
    }

    boolean committed() {
        return response.isCommitted();
    }

    void write(boolean last, ByteBuffer bytes) throws IOException {
        try (Blocker.Callback written = writes.callback()) {
            response.write(last, bytes, written);
            written.block();
        }
    }
}
