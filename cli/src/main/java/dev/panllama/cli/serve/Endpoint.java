package dev.panllama.cli.serve;

/** Handles one route. Throw {@link ApiError} (or an engine exception) for an error response. */
@FunctionalInterface
public interface Endpoint {
    void handle(Exchange exchange) throws Exception;
}
