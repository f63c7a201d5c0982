package dev.panllama.cli.serve;

/**
 * {@code POST /reset_prefix_cache[?reset_running_requests=true]} (admin): empties the engine's prefix cache.
 * 200 when it was reset; 409 when requests still hold cached blocks and {@code reset_running_requests} was not
 * set, so the cache was left as it was.
 */
final class PrefixCacheAdminEndpoint implements ApiEndpoints {
    private final ServedModel model;

    PrefixCacheAdminEndpoint(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/reset_prefix_cache", this::reset);
    }

    private void reset(Exchange exchange) throws Exception {
        boolean resetRunning = exchange.queryFlag("reset_running_requests", false);
        boolean reset = EngineCalls.await(model.llm().resetPrefixCache(resetRunning));
        if (!reset) {
            throw new ApiError(409, "invalid_request_error",
                    "Running requests hold cached blocks; retry later or pass reset_running_requests=true.", null, "conflict");
        }
        exchange.sendEmpty(200);
    }
}
