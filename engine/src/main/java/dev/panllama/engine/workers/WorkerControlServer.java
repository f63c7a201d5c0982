package dev.panllama.engine.workers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's control endpoint: {@code GET /v1/info} and {@code POST /v1/call} over HTTP, every request carrying
 * the shared token ({@code Authorization: Bearer <token>}); anything else answers 401. Each call runs on its own
 * virtual thread and is interrupted when it outlives the timeout the caller sent.
 */
final class WorkerControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerControlServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final WorkerAuth auth;
    private final WorkerMethods methods;
    private final WorkerContext worker;

    WorkerControlServer(String host, int port, WorkerAuth auth, WorkerMethods methods, WorkerContext worker) throws IOException {
        this.auth = auth;
        this.methods = methods;
        this.worker = worker;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.setExecutor(threads);
        server.createContext("/v1/info", exchange -> guarded(exchange, "GET", this::info));
        server.createContext("/v1/call", exchange -> guarded(exchange, "POST", this::call));
    }

    void start() {
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private void guarded(HttpExchange exchange, String verb, Handler handler) throws IOException {
        try (exchange) {
            if (!auth.accepts(exchange.getRequestHeaders().getFirst(WorkerAuth.HEADER))) {
                LOG.warn("refused a control call from {} without a valid token", exchange.getRemoteAddress());
                reply(exchange, 401, error("unauthorized", "a valid worker token is required"));
                return;
            }
            if (!exchange.getRequestMethod().equals(verb)) {
                reply(exchange, 405, error("method_not_allowed", exchange.getRequestURI().getPath() + " takes " + verb));
                return;
            }
            handler.handle(exchange);
        } catch (IOException | RuntimeException e) {
            LOG.warn("control call failed: {}", e.toString());
        }
    }

    private void info(HttpExchange exchange) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("rpc_endpoint", worker.rpcEndpoint());
        info.put("device", worker.deviceName());
        info.put("pid", ProcessHandle.current().pid());
        info.put("methods", List.copyOf(methods.names()));
        reply(exchange, 200, info);
    }

    private void call(HttpExchange exchange) throws IOException {
        CallRequest request;
        try (InputStream body = exchange.getRequestBody()) {
            request = JSON.readValue(body, CallRequest.class);
        } catch (IOException e) {
            reply(exchange, 400, error("bad_request", "the body is not a call: " + e.getMessage()));
            return;
        }
        if (request.method() == null || request.method().isBlank()) {
            reply(exchange, 400, error("bad_request", "method is required"));
            return;
        }
        WorkerContext here = worker.withRank(request.rank());
        Future<Object> running = threads.submit(() -> methods.invoke(request.method(), here, request.args(), request.kwargs()));
        try {
            Object result = request.timeoutMs() > 0 ? running.get(request.timeoutMs(), TimeUnit.MILLISECONDS) : running.get();
            Map<String, Object> ok = new LinkedHashMap<>();
            ok.put("result", result);
            reply(exchange, 200, ok);
        } catch (TimeoutException e) {
            running.cancel(true);
            reply(exchange, 408, error("timeout", "RPC call to " + request.method() + " timed out after "
                    + request.timeoutMs() + " ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownWorkerMethodException) {
                reply(exchange, 404, error("unknown_method", cause.getMessage()));
            } else {
                reply(exchange, 500, error(cause.getClass().getName(), String.valueOf(cause.getMessage())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, 503, error("interrupted", "the worker is shutting down"));
        }
    }

    private static Map<String, Object> error(String type, String message) {
        return Map.of("error", Map.of("type", type, "message", message));
    }

    private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    /** The body of {@code POST /v1/call}. */
    record CallRequest(String method, List<Object> args, Map<String, Object> kwargs, int rank, long timeoutMs) {}
}
