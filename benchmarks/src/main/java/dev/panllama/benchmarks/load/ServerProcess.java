package dev.panllama.benchmarks.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP server run as a child process on a loopback port (llama-server, or {@code panllama serve} in its own JVM),
 * ready once its {@code /health} answers 200; closing stops it (SIGTERM, then SIGKILL after a grace period).
 */
public final class ServerProcess implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final Process process;
    private final URI base;
    private final List<String> command;

    private ServerProcess(Process process, URI base, List<String> command) {
        this.process = process;
        this.base = base;
        this.command = command;
    }

    /**
     * Starts {@code command} (which must listen on {@code port} of 127.0.0.1) and waits until it is healthy.
     *
     * @param log where the server's stdout and stderr go; null discards them
     */
    public static ServerProcess start(List<String> command, int port, Path log, Duration startTimeout)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile()));
        ServerProcess server = new ServerProcess(builder.start(), URI.create("http://127.0.0.1:" + port), List.copyOf(command));
        try {
            server.awaitHealthy(startTimeout, log);
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** A port nobody on 127.0.0.1 listens on now (a server started right after can take it). */
    public static int freeLoopbackPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    public URI base() {
        return base;
    }

    private void awaitHealthy(Duration timeout, Path log) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String seeLog = log == null ? "" : " (see " + log + ")";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(command.getFirst() + " exited with " + process.exitValue() + " before it served" + seeLog);
            }
            try {
                HttpResponse<Void> health = http.send(HttpRequest.newBuilder(base.resolve("/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException(command.getFirst() + " did not become healthy on " + base + " within " + timeout + seeLog);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
