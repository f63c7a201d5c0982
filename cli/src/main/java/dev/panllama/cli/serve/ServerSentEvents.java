package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** OpenAI's streaming format: one {@code data: <json>} event per chunk, then {@code data: [DONE]}. */
public final class ServerSentEvents {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = {'\n', '\n'};

    /** A byte stream whose written bytes can be handed to Jetty without a copy. */
    private static final class EventBuffer extends ByteArrayOutputStream {
        EventBuffer() {
            super(512);
        }

        ByteBuffer bytes() {
            return ByteBuffer.wrap(buf, 0, count);
        }
    }

    private final Exchange exchange;
    private final ObjectMapper mapper;
    private final EventBuffer event = new EventBuffer();

    ServerSentEvents(Exchange exchange, ObjectMapper mapper) {
        this.exchange = exchange;
        this.mapper = mapper;
    }

    /**
     * Sends one event; throws IOException when the client has gone (the caller then aborts its request). The event
     * is serialized into one buffer that every event reuses: a write returns only once Jetty is done with it.
     */
    public void send(Object chunk) throws IOException {
        event.reset();
        event.write(DATA);
        mapper.writeValue(event, chunk);
        event.write(END_OF_EVENT);
        exchange.write(false, event.bytes());
    }

    /** An error after the stream began: the status is already sent, so the error travels as an event. */
    public void sendError(ApiError error) throws IOException {
        send(error.body());
    }

    public void done() throws IOException {
        exchange.write(true, ByteBuffer.wrap(DONE));
    }
}
