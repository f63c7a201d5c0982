package dev.panllama.cli.serve;

import java.util.function.BooleanSupplier;

/**
 * {@code GET /health}: 200 while the engine runs, 503 with the cause once it is dead, and 503 while the server is
 * still warming up. No API key needed.
 */
final class HealthEndpoint implements ApiEndpoints {
    private final ServedModel model;
    private final BooleanSupplier ready;

    HealthEndpoint(ServedModel model, BooleanSupplier ready) {
        this.model = model;
        this.ready = ready;
    }

    @Override
    public void register(Routes routes) {
        routes.openGet("/health", this::health);
    }

    private void health(Exchange exchange) throws Exception {
        if (model.llm().errored()) {
            throw ApiError.unavailable(model.llm().deadError().getMessage());
        }
        if (!ready.getAsBoolean()) {
            throw ApiError.unavailable("The server is warming up.");
        }
        exchange.sendEmpty(200);
    }
}
