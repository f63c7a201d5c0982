package dev.panllama.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.AsyncLLM;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible HTTP server over one {@link AsyncLLM}, on Jetty 12's core API. Each request runs on its
 * own virtual thread and blocks on the engine's {@code RequestStream}; stopping drains requests in flight for
 * {@link ServerConfig#drainTimeout()} before closing connections. The engine stays the caller's to close.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final Server server;
    private final ServerConnector connector;

    private ApiServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Starts listening; returns once the port is bound. */
    public static ApiServer start(AsyncLLM llm, ServerConfig config) throws Exception {
        return start(llm, config, () -> true);
    }

    /**
     * Starts listening, then serves streamed completions to itself for up to {@code warmup} (see
     * {@link ServingWarmup}) while {@code /health} answers 503; returns once healthy. A zero warm-up starts at once.
     */
    public static ApiServer startWarmedUp(AsyncLLM llm, ServerConfig config, Duration warmup) throws Exception {
        AtomicBoolean warm = new AtomicBoolean(warmup.isZero());
        ApiServer server = start(llm, config, warm::get);
        if (!warm.get()) {
            long start = System.nanoTime();
            int concurrency = Math.min(4, llm.engineArgs().maxNumSeqs());
            int completed = new ServingWarmup(server.baseUri(), config.apiKey(), config.servedModelNames().getFirst(),
                    concurrency, warmup).run();
            LOG.info("serving warm-up: {} completions in {} ms", completed, (System.nanoTime() - start) / 1_000_000);
            warm.set(true);
        }
        return server;
    }

    private static ApiServer start(AsyncLLM llm, ServerConfig config, BooleanSupplier ready) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ServedModel model = ServedModel.of(llm, config.servedModelNames());
        if (config.usesLora() && !llm.engineArgs().enableLora()) {
            throw new IllegalArgumentException("--lora-modules and --allow-runtime-lora-updating need an engine built with LoRA enabled (--enable-lora)");
        }
        for (var module : config.loraModules().entrySet()) {
            LoraAdminEndpoints.load(model, module.getKey(), module.getValue());
        }
        Routes routes = new Routes();
        for (ApiEndpoints endpoints : endpoints(model, config, ready)) {
            endpoints.register(routes);
        }

        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("panllama-http");
        threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("panllama-request-", 0).factory()));
        // Unpooled heap buffers: Jetty 12.1 answers a request it cannot parse (the 431 for oversized headers, a 400)
        // on another thread, and that answer's completion re-enters the connection's read loop while the first loop
        // may still hold the request buffer. With pooled buffers a late read could land in a buffer already handed
        // to another connection (once seen as a 431 reaching its client prefixed by request header bytes); unpooled,
        // such a read stays in the failing connection's own buffer. Heap, because direct buffers are costly to
        // allocate per use; the JDK copies writes through its cached direct buffer.
        Server server = new Server(threads, null, new ByteBufferPool.NonPooling());
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setUseInputDirectByteBuffers(false);
        http.setUseOutputDirectByteBuffers(false);
        // 64 KiB of headers, as common proxies allow; past that Jetty answers 431 itself (JsonErrorPages' JSON)
        http.setRequestHeaderSize(64 * 1024);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        server.addConnector(connector);
        GracefulHandler graceful = new GracefulHandler(new ApiHandler(routes, mapper, config));
        server.setHandler(graceful);
        server.setErrorHandler(new JsonErrorPages(mapper));
        server.setStopTimeout(config.drainTimeout().toMillis());
        server.start();
        ApiServer started = new ApiServer(server, connector);
        LOG.info("panllama serve: {} on {}", model.names(), started.baseUri());
        return started;
    }

    /** Every concern the server exposes; admin and runtime-LoRA families only when enabled. */
    private static List<ApiEndpoints> endpoints(ServedModel model, ServerConfig config, BooleanSupplier ready) {
        List<ApiEndpoints> all = new ArrayList<>(List.of(
                new HealthEndpoint(model, ready),
                new ModelsEndpoint(model),
                new MetricsEndpoint(model),
                new EmbeddingsEndpoint(model),
                new CompletionsEndpoint(model),
                new ChatCompletionsEndpoint(model),
                new TokenizationEndpoints(model)));
        if (config.enableAdminEndpoints()) {
            all.add(new PrefixCacheAdminEndpoint(model));
            all.add(new ControlAdminEndpoints(model));
            all.add(new CollectiveRpcAdminEndpoint(model));
        }
        if (config.allowRuntimeLoraUpdating()) {
            all.add(new LoraAdminEndpoints(model));
        }
        return all;
    }

    public int port() {
        return connector.getLocalPort();
    }

    public URI baseUri() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops accepting, waits up to the drain timeout for requests in flight, then closes. Idempotent. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
    }
}
