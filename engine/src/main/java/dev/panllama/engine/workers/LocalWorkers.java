package dev.panllama.engine.workers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code panllama worker} processes on this machine: child JVMs on loopback with this JVM's classpath (so the
 * worker methods this process can load are found there too), each on free ports, sharing a fresh token. For tests,
 * benchmarks and trying RPC splitting on one host. Closing kills every one of them.
 */
public final class LocalWorkers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalWorkers.class);
    private static final Pattern READY = Pattern.compile("panllama worker ready control=(\\S+) rpc=(\\S+)");

    /** One running worker. */
    public record Running(Process process, String control, String rpc) {}

    private final Path tokenFile;
    private final String token;
    private final List<Running> workers = new ArrayList<>();

    private LocalWorkers(Path tokenFile, String token) {
        this.tokenFile = tokenFile;
        this.token = token;
    }

    /** Starts {@code count} workers sharing a fresh token; each computes with {@code threads} CPU threads. */
    public static LocalWorkers start(int count, int threads) {
        try {
            String token = newToken();
            Path file = Files.createTempFile("panllama-worker-token", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, token + "\n");
            LocalWorkers processes = new LocalWorkers(file, token);
            try {
                List<CompletableFuture<Running>> starting = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    starting.add(CompletableFuture.supplyAsync(() -> launch(file, threads)));
                }
                for (CompletableFuture<Running> worker : starting) {
                    processes.workers.add(worker.join());
                }
            } catch (RuntimeException e) {
                processes.close();
                throw e;
            }
            return processes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private static Running launch(Path tokenFile, int threads) {
        List<String> command = ChildJvm.command(WorkerMain.class.getName(), List.of(), List.of("--host", "127.0.0.1",
                "--port", "0", "--token-file", tokenFile.toString(), "--threads", String.valueOf(threads)));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null) {
                Matcher ready = READY.matcher(line);
                if (ready.find()) {
                    drain(out);
                    return new Running(process, ready.group(1), ready.group(2));
                }
                seen.append(line).append('\n');
            }
            process.destroyForcibly();
            throw new IllegalStateException("worker exited before it was ready:\n" + seen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Keeps reading the worker's output, so a full pipe never blocks it, and passes it to this process's log. */
    private static void drain(BufferedReader out) {
        Thread.ofVirtual().start(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    LOG.debug("[worker] {}", line);
                }
            } catch (IOException e) {
                // the worker ended
            }
        });
    }

    public List<Running> workers() {
        return workers;
    }

    public List<String> controlEndpoints() {
        return workers.stream().map(Running::control).toList();
    }

    public Path tokenFile() {
        return tokenFile;
    }

    public String token() {
        return token;
    }

    /** Kills one worker (SIGKILL) and waits until it is gone. */
    public void kill(int rank) throws InterruptedException {
        Process process = workers.get(rank).process();
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        for (Running worker : workers) {
            worker.process().destroyForcibly();
        }
        for (Running worker : workers) {
            try {
                worker.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(tokenFile);
        } catch (IOException e) {
            LOG.warn("could not delete the worker token file {}: {}", tokenFile, e.getMessage());
        }
    }
}
