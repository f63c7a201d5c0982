package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetty handler in front of every endpoint: API-key check, routing, and the mapping of exceptions to
 * OpenAI error bodies. It is a blocking handler, so Jetty runs it on a virtual thread per request.
 */
final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    private final Routes routes;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;
    private final byte[] expectedAuthorization;

    ApiHandler(Routes routes, ObjectMapper mapper, ServerConfig config) {
        this.routes = routes;
        this.mapper = mapper;
        this.maxBodyBytes = config.maxRequestBytes();
        this.expectedAuthorization = config.apiKey() == null ? null
                : ("Bearer " + config.apiKey()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange exchange = new Exchange(request, response, mapper, maxBodyBytes);
        // a non-streamed generation is silent until it ends: idle time must not fail it
        request.addIdleTimeoutListener(timeout -> false);
        try {
            Routes.Route route = routes.find(exchange.method(), exchange.path());
            if (!route.open() && !authorized(exchange.header(HttpHeader.AUTHORIZATION.asString()))) {
                throw ApiError.unauthorized();
            }
            try {
                route.endpoint().handle(exchange);
            } finally {
                exchange.stopWatchingClient();
            }
            callback.succeeded();
        } catch (IOException e) {
            // the client went away or the connection broke: nobody is left to answer
            LOG.debug("{} {}: connection failed: {}", exchange.method(), exchange.path(), e.toString());
            callback.failed(e);
        } catch (Exception e) {
            respond(exchange, ErrorMapping.toApiError(e), callback);
        }
        return true;
    }

    private boolean authorized(String header) {
        return expectedAuthorization == null
                || header != null && MessageDigest.isEqual(expectedAuthorization, header.getBytes(StandardCharsets.UTF_8));
    }

    private void respond(Exchange exchange, ApiError error, Callback callback) {
        if (exchange.committed()) {
            callback.failed(error);
            return;
        }
        try {
            exchange.discardBody();
            exchange.sendJson(error.status(), error.body());
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e);
        }
    }
}
