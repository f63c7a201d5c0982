package dev.panllama.cli.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/** Exact-path routing: method + path → endpoint, with 404 and 405 as OpenAI errors. */
public final class Routes {
    /** A registered route; {@code open} routes skip the API key (health probes must work without it). */
    record Route(Endpoint endpoint, boolean open) {
    }

    private final Map<String, Map<String, Route>> byPath = new LinkedHashMap<>();

    public Routes get(String path, Endpoint endpoint) {
        return add("GET", path, endpoint, false);
    }

    public Routes post(String path, Endpoint endpoint) {
        return add("POST", path, endpoint, false);
    }

    /** A route that answers without the API key. */
    public Routes openGet(String path, Endpoint endpoint) {
        return add("GET", path, endpoint, true);
    }

    private Routes add(String method, String path, Endpoint endpoint, boolean open) {
        Route previous = byPath.computeIfAbsent(path, p -> new LinkedHashMap<>()).putIfAbsent(method, new Route(endpoint, open));
        if (previous != null) {
            throw new IllegalStateException(method + " " + path + " is registered twice");
        }
        return this;
    }

    Route find(String method, String path) {
        Map<String, Route> methods = byPath.get(path);
        if (methods == null) {
            throw ApiError.routeNotFound(path);
        }
        Route route = methods.get(method);
        if (route == null && "HEAD".equals(method)) {
            route = methods.get("GET");
        }
        if (route == null) {
            throw ApiError.methodNotAllowed(method, path);
        }
        return route;
    }
}
