package dev.panllama.engine.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The engine's side of one worker's control endpoint. */
final class RemoteWorkerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Time a reply may take beyond the method's own timeout (the worker cuts the method off at its timeout). */
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final int rank;
    private final String endpoint;
    private final URI base;
    private final WorkerAuth auth;
    private final HttpClient http;

    RemoteWorkerClient(int rank, String endpoint, WorkerAuth auth, HttpClient http) {
        this.rank = rank;
        this.endpoint = endpoint;
        this.base = URI.create("http://" + endpoint);
        this.auth = auth;
        this.http = http;
    }

    int rank() {
        return rank;
    }

    String endpoint() {
        return endpoint;
    }

    /** The worker's info: its RPC endpoint, device and methods. */
    JsonNode info(Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/info")).timeout(timeout)
                .header(WorkerAuth.HEADER, auth.headerValue()).GET().build();
        try {
            return parse("info", http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw unreachable("info", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerCallException(rank, "info", "interrupted", "interrupted while asking " + endpoint);
        }
    }

    CompletableFuture<Object> call(String method, Duration timeout, List<Object> args, Map<String, Object> kwargs) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(new WorkerControlServer.CallRequest(method, args, kwargs, rank,
                    timeout == null ? 0 : Math.max(1, timeout.toMillis())));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new WorkerCallException(rank, method, "bad_arguments",
                    "arguments cannot travel as JSON: " + e.getMessage()));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/call"))
                .header(WorkerAuth.HEADER, auth.headerValue()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (timeout != null) {
            request.timeout(timeout.plus(GRACE));
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        throw cause instanceof HttpTimeoutException ? new WorkerTimeoutException(rank, method, timeout)
                                : unreachable(method, cause);
                    }
                    JsonNode reply = parse(method, response);
                    return JSON.convertValue(reply.get("result"), Object.class);
                });
    }

    private JsonNode parse(String method, HttpResponse<String> response) {
        JsonNode reply;
        try {
            reply = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new WorkerCallException(rank, method, "bad_reply", "HTTP " + response.statusCode() + " with a body"
                    + " that is not JSON from " + endpoint);
        }
        if (response.statusCode() == 200) {
            return reply;
        }
        JsonNode error = reply.path("error");
        String type = error.path("type").asText("http_" + response.statusCode());
        String message = error.path("message").asText("");
        throw switch (type) {
            case "unknown_method" -> new UnknownWorkerMethodException(rank, method);
            case "timeout" -> new WorkerCallException(rank, method, "timeout", message);
            default -> new WorkerCallException(rank, method, type, message);
        };
    }

    private WorkerCallException unreachable(String method, Throwable cause) {
        return new WorkerCallException(rank, method, "unreachable", "worker at " + endpoint + " did not answer: " + cause,
                cause);
    }
}
