package dev.panllama.cli.serve;

/** {@code GET /health}: 200 while the engine runs, 503 with the cause once it is dead. No API key needed. */
final class HealthEndpoint implements ApiEndpoints {
    private final ServedModel model;

    HealthEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.openGet("/health", this::health);
    }

    private void health(Exchange exchange) throws Exception {
        if (model.llm().errored()) {
            throw ApiError.unavailable(model.llm().deadError().getMessage());
        }
        exchange.sendEmpty(200);
    }
}
