package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.engine.workers.UnknownWorkerMethodException;
import dev.panllama.engine.workers.WorkerCallException;
import dev.panllama.engine.workers.WorkerTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /collective_rpc} (admin), vLLM's shape: {@code {"method", "timeout", "args", "kwargs"}} calls a worker
 * method on every worker of the engine and answers {@code {"results": [...]}} in rank order. An unknown method is the
 * caller's mistake (400); a timeout is 504; a worker's own failure is 500 with its rank and message.
 */
final class CollectiveRpcAdminEndpoint implements ApiEndpoints {
    private final ServedModel model;

    CollectiveRpcAdminEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/collective_rpc", this::call);
    }

    private void call(Exchange exchange) throws Exception {
        JsonBody body = exchange.json();
        String method = body.string("method");
        if (method == null || method.isBlank()) {
            throw ApiError.badRequest("'method' is required: the name of a worker method.", "method");
        }
        Double seconds = body.number("timeout");
        if (seconds != null && !(seconds > 0)) {
            throw ApiError.badRequest("'timeout' must be a positive number of seconds.", "timeout");
        }
        List<?> args = convert(exchange, body.node("args"), List.class, "args");
        Map<?, ?> kwargs = convert(exchange, body.node("kwargs"), Map.class, "kwargs");
        Duration timeout = seconds == null ? null : Duration.ofMillis(Math.round(seconds * 1000));
        @SuppressWarnings("unchecked")
        Map<String, ?> named = (Map<String, ?>) kwargs;
        List<Object> results;
        try {
            results = EngineCalls.await(model.llm().collectiveRpc(method, timeout, args, named));
        } catch (UnknownWorkerMethodException e) {
            throw new ApiError(400, "invalid_request_error", e.getMessage(), "method", "unknown_method");
        } catch (WorkerTimeoutException e) {
            throw new ApiError(504, "timeout_error", e.getMessage(), "timeout", "timeout");
        } catch (WorkerCallException e) {
            throw new ApiError(500, "worker_error", e.getMessage(), null, "worker_error");
        }
        exchange.sendJson(200, Map.of("results", results));
    }

    private static <T> T convert(Exchange exchange, JsonNode node, Class<T> type, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        boolean fits = type == List.class ? node.isArray() : node.isObject();
        if (!fits) {
            throw new ApiError(400, "invalid_request_error", "'" + field + "' must be " + (type == List.class ? "an array."
                    : "an object."), field, "invalid_type");
        }
        return exchange.mapper().convertValue(node, type);
    }
}
