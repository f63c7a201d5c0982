package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/** Errors Jetty raises itself (bad HTTP, oversize headers, ...) in OpenAI's JSON shape rather than HTML. */
final class JsonErrorPages extends ErrorHandler {
    private final ObjectMapper mapper;

    JsonErrorPages(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String type = code >= 500 ? "server_error" : "invalid_request_error";
        ApiError error = new ApiError(code, type, message == null ? "HTTP error " + code : message, null, "http_" + code);
        try {
            byte[] bytes = mapper.writeValueAsBytes(error.body());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(bytes), callback);
        } catch (Exception e) {
            callback.failed(e);
        }
    }
}
