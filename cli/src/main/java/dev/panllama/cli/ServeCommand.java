package dev.panllama.cli;

import dev.panllama.cli.serve.ApiServer;
import dev.panllama.cli.serve.ServerConfig;
import dev.panllama.engine.AsyncLLM;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code panllama serve}: the OpenAI-compatible HTTP server, flags named as vLLM's. SIGTERM (or Ctrl-C) stops
 * accepting connections, lets requests in flight finish for up to {@code --shutdown-timeout}, then stops the
 * engine; interrupting the thread that runs the command does the same.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API (default: http://127.0.0.1:8000).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EngineOptions engine;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default: ${DEFAULT-VALUE}, loopback only).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-key", defaultValue = "${env:PANLLAMA_API_KEY}",
            description = "Require 'Authorization: Bearer <key>' (default: $PANLLAMA_API_KEY, else none).")
    String apiKey;

    @Option(names = "--served-model-name", split = ",",
            description = "Names clients send as 'model'; the first is reported (default: the model file's name).")
    List<String> servedModelNames = new ArrayList<>();

    @Option(names = "--enable-admin-endpoints",
            description = "Expose the engine's control endpoints (/reset_prefix_cache, /pause, /resume, /sleep, /wake_up, ...).")
    boolean enableAdminEndpoints;

    @Option(names = "--allow-runtime-lora-updating",
            description = "Expose /v1/load_lora_adapter and /v1/unload_lora_adapter (turns --enable-lora on).")
    boolean allowRuntimeLoraUpdating;

    @Option(names = "--lora-modules", split = ",", paramLabel = "NAME=PATH",
            description = "LoRA adapters served as models from startup, as name=path; repeatable (turns --enable-lora on).")
    Map<String, Path> loraModules = new LinkedHashMap<>();

    @Option(names = "--max-request-bytes", defaultValue = "" + ServerConfig.DEFAULT_MAX_REQUEST_BYTES,
            description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(names = "--shutdown-timeout", defaultValue = "30",
            description = "Seconds a shutdown waits for requests in flight (default: ${DEFAULT-VALUE}).")
    int shutdownTimeoutSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "8",
            description = "Seconds of streamed completions the server sends itself before /health answers 200, so the"
                    + " JVM has compiled the serving path before clients come (a small model needs seconds of it to"
                    + " serve at full speed); they count in /metrics; 0 = none"
                    + " (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--seed", description = "Engine seed for requests without one (default: random).")
    Long seed;

    @Override
    public Integer call() throws Exception {
        List<String> names = servedModelNames.isEmpty()
                ? List.of(engine.modelPath().getFileName().toString().replaceFirst("\\.gguf$", "")) : servedModelNames;
        ServerConfig config = new ServerConfig(host, port, apiKey, names, enableAdminEndpoints, maxRequestBytes,
                Duration.ofSeconds(shutdownTimeoutSeconds), allowRuntimeLoraUpdating, loraModules);
        if (config.usesLora()) {
            engine.enableLora = true;
        }
        if (!(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--warmup-seconds must be >= 0, got " + warmupSeconds);
        }
        AsyncLLM llm = AsyncLLM.fromEngineArgs(engine.toEngineArgs(seed));
        ApiServer server;
        try {
            if (warmupSeconds > 0) {
                spec.commandLine().getErr().println("panllama serve: warming up for " + warmupSeconds
                        + " s before /health answers 200 (--warmup-seconds 0 skips it)");
                spec.commandLine().getErr().flush();
            }
            server = ApiServer.startWarmedUp(llm, config, Duration.ofMillis(Math.round(warmupSeconds * 1000)));
        } catch (Exception e) {
            llm.shutdown();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            llm.shutdown();
        }, "panllama-serve-shutdown"));
        spec.commandLine().getErr().println("panllama serve: " + names.getFirst() + " on " + server.baseUri());
        spec.commandLine().getErr().flush();
        try {
            server.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // an embedding caller stops the command by interrupting it
        } finally {
            server.close();
            llm.shutdown();
        }
        return 0;
    }
}
