package dev.panllama.cli.serve;

import java.io.Serial;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure the client caused or must know about, rendered as OpenAI's error body
 * {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status. {@code code} is a string, as in
 * OpenAI's API (its SDK rejects vLLM's numeric codes): {@code model_not_found}, {@code invalid_api_key}, ...
 */
public final class ApiError extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    public static ApiError badRequest(String message, String param) {
        return new ApiError(400, "invalid_request_error", message, param, param == null ? "invalid_request" : "invalid_value");
    }

    public static ApiError modelNotFound(String model) {
        return new ApiError(404, "invalid_request_error", "The model `" + model + "` does not exist.", "model", "model_not_found");
    }

    public static ApiError routeNotFound(String path) {
        return new ApiError(404, "invalid_request_error", "No route for " + path + ".", null, "not_found");
    }

    public static ApiError unauthorized() {
        return new ApiError(401, "invalid_request_error", "Missing or invalid API key: send 'Authorization: Bearer <key>'.",
                null, "invalid_api_key");
    }

    public static ApiError methodNotAllowed(String method, String path) {
        return new ApiError(405, "invalid_request_error", "Method " + method + " is not allowed on " + path + ".", null,
                "method_not_allowed");
    }

    public static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", "The request body exceeds the limit of " + limit + " bytes.", null,
                "request_too_large");
    }

    public static ApiError unavailable(String message) {
        return new ApiError(503, "server_error", message, null, "engine_unavailable");
    }

    public static ApiError internal(String message) {
        return new ApiError(500, "server_error", message, null, "internal_error");
    }

    public int status() {
        return status;
    }

    /** The OpenAI error body. */
    public Map<String, Object> body() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
