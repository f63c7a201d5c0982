package dev.panllama.cli.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code panllama serve} listens and what it exposes.
 *
 * @param host                      bind address (loopback by default)
 * @param port                      0 picks a free port
 * @param apiKey                    required as {@code Authorization: Bearer <key>} when not null
 * @param servedModelNames          names clients may send as {@code model}; the first one is reported
 * @param enableAdminEndpoints      exposes the engine's control endpoints (cache reset, pause, sleep, ...)
 * @param maxRequestBytes           larger bodies get 413
 * @param drainTimeout              how long a shutdown waits for requests in flight
 * @param allowRuntimeLoraUpdating  exposes {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}
 * @param loraModules               adapters loaded at startup, served under their names (insertion order)
 */
public record ServerConfig(String host, int port, String apiKey, List<String> servedModelNames,
                           boolean enableAdminEndpoints, long maxRequestBytes, Duration drainTimeout,
                           boolean allowRuntimeLoraUpdating, Map<String, Path> loraModules) {
    public static final long DEFAULT_MAX_REQUEST_BYTES = 8L << 20;

    public ServerConfig {
        if (servedModelNames == null || servedModelNames.isEmpty()) {
            throw new IllegalArgumentException("at least one served model name is needed");
        }
        servedModelNames = List.copyOf(servedModelNames);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("--max-request-bytes must be positive, got " + maxRequestBytes);
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("--shutdown-timeout must be >= 0 seconds, got " + drainTimeout);
        }
        if (apiKey != null && apiKey.isEmpty()) {
            apiKey = null;
        }
        loraModules = loraModules == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(loraModules));
        for (String name : loraModules.keySet()) {
            if (servedModelNames.contains(name)) {
                throw new IllegalArgumentException("--lora-modules name '" + name + "' is already a served model name");
            }
        }
    }

    /** Loopback, an ephemeral port, no key, admin endpoints and runtime LoRA off: what tests and embedders start from. */
    public static ServerConfig loopback(String servedModelName) {
        return new ServerConfig("127.0.0.1", 0, null, List.of(servedModelName), false, DEFAULT_MAX_REQUEST_BYTES,
                Duration.ofSeconds(30), false, Map.of());
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, key, servedModelNames, enableAdminEndpoints, maxRequestBytes, drainTimeout,
                allowRuntimeLoraUpdating, loraModules);
    }

    public ServerConfig withAdminEndpoints(boolean enabled) {
        return new ServerConfig(host, port, apiKey, servedModelNames, enabled, maxRequestBytes, drainTimeout,
                allowRuntimeLoraUpdating, loraModules);
    }

    public ServerConfig withMaxRequestBytes(long bytes) {
        return new ServerConfig(host, port, apiKey, servedModelNames, enableAdminEndpoints, bytes, drainTimeout,
                allowRuntimeLoraUpdating, loraModules);
    }

    public ServerConfig withRuntimeLoraUpdating(boolean allowed) {
        return new ServerConfig(host, port, apiKey, servedModelNames, enableAdminEndpoints, maxRequestBytes, drainTimeout,
                allowed, loraModules);
    }

    public ServerConfig withLoraModules(Map<String, Path> modules) {
        return new ServerConfig(host, port, apiKey, servedModelNames, enableAdminEndpoints, maxRequestBytes, drainTimeout,
                allowRuntimeLoraUpdating, modules);
    }

    /** Whether the server needs an engine built with LoRA enabled. */
    public boolean usesLora() {
        return allowRuntimeLoraUpdating || !loraModules.isEmpty();
    }
}
