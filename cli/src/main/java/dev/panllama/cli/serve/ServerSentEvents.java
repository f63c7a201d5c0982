package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** OpenAI's streaming format: one {@code data: <json>} event per chunk, then {@code data: [DONE]}. */
public final class ServerSentEvents {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Exchange exchange;
    private final ObjectMapper mapper;

    ServerSentEvents(Exchange exchange, ObjectMapper mapper) {
        this.exchange = exchange;
        this.mapper = mapper;
    }

    /** Sends one event; throws IOException when the client has gone (the caller then aborts its request). */
    public void send(Object chunk) throws IOException {
        byte[] json = mapper.writeValueAsBytes(chunk);
        ByteBuffer event = ByteBuffer.allocate(json.length + 8);
        event.put("data: ".getBytes(StandardCharsets.US_ASCII)).put(json).put((byte) '\n').put((byte) '\n').flip();
        exchange.write(false, event);
    }

    /** An error after the stream began: the status is already sent, so the error travels as an event. */
    public void sendError(ApiError error) throws IOException {
        send(error.body());
    }

    public void done() throws IOException {
        exchange.write(true, ByteBuffer.wrap(DONE));
    }
}
