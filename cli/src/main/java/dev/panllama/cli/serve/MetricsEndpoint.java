package dev.panllama.cli.serve;

/**
 * {@code GET /metrics}: the engine's meters in Prometheus' text exposition format. Open like {@code /health}:
 * scrapers rarely carry the API key, and vLLM leaves its metrics outside the key too.
 */
final class MetricsEndpoint implements ApiEndpoints {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final ServedModel model;

    MetricsEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.openGet("/metrics", this::scrape);
    }

    private void scrape(Exchange exchange) throws Exception {
        exchange.sendText(200, PROMETHEUS_TEXT, model.llm().scrapePrometheus());
    }
}
