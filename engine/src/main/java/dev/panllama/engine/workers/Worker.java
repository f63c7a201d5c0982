package dev.panllama.engine.workers;

import dev.panllama.engine.nativeapi.BackendDevices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote worker ({@code panllama worker}): a ggml RPC server that lends this process's CPU to an engine's
 * model, and a control endpoint that runs worker methods for {@code collectiveRpc}. ggml's RPC server can not be
 * stopped, so a worker lives until its process ends.
 *
 * @param host      the address both servers bind; loopback unless the network is private (ggml RPC has no
 *                  authentication or encryption: anyone who reaches the RPC port can allocate memory and run graphs)
 * @param port      control endpoint port (0 = any free port)
 * @param rpcPort   ggml RPC server port (0 = any free port)
 * @param auth      the token the engine must present
 * @param threads   CPU threads for the RPC server's graph computation (0 = all cores)
 * @param cacheDir  where the RPC server caches large tensors (null = no cache)
 */
public record Worker(String host, int port, int rpcPort, WorkerAuth auth, int threads, Path cacheDir) {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final Duration RPC_START_TIMEOUT = Duration.ofSeconds(30);

    /** The endpoints of a started worker. */
    public record Endpoints(String control, String rpc) {}

    /** Starts the RPC server on its own platform thread, waits until it accepts, then opens the control endpoint. */
    public Endpoints start() {
        warnIfExposed();
        int rpc = rpcPort > 0 ? rpcPort : freePort();
        String rpcEndpoint = host + ":" + rpc;
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Thread.ofPlatform().name("panllama-rpc-server").daemon(true)
                .start(() -> BackendDevices.serveRpc(rpcEndpoint, cacheDir == null ? null : cacheDir.toString(), n));
        awaitListening(rpc);
        try {
            WorkerControlServer control = new WorkerControlServer(host, port, auth, WorkerMethods.discover(),
                    new WorkerContext(0, "CPU", rpcEndpoint, cacheDir));
            control.start();
            Endpoints endpoints = new Endpoints(host + ":" + control.port(), rpcEndpoint);
            LOG.info("worker ready: control {} rpc {}", endpoints.control(), endpoints.rpc());
            return endpoints;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the control endpoint on " + host + ":" + port, e);
        }
    }

    private void warnIfExposed() {
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                LOG.warn("!!! binding {}: ggml's RPC server has no authentication or encryption; anyone who can reach it"
                        + " can allocate memory and run graphs. Use only a private network or a tunnel. !!!", host);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
    }

    private int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }

    /**
     * ggml binds on its own thread and reports failure only on stderr, so connect until it answers. The probe
     * connection closes without a handshake, which the server treats as a client that left.
     */
    private void awaitListening(int rpc) {
        long deadline = System.nanoTime() + RPC_START_TIMEOUT.toNanos();
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(host, rpc), 1_000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ggml RPC server did not start on " + host + ":" + rpc, e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting the RPC server", interrupted);
                }
            }
        }
    }
}
