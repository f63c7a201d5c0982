package dev.panllama.engine.workers;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a worker until the process is killed: {@code --host H --port P --token-file F [--rpc-port R] [--threads N]
 * [--cache-dir D]}. Prints one line {@code panllama worker ready control=H:P rpc=H:R} on stdout when both servers
 * listen. The {@code panllama worker} command does the same with full option help.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] argv) throws InterruptedException {
        String host = "127.0.0.1";
        int port = 0;
        int rpcPort = 0;
        int threads = 0;
        Path tokenFile = null;
        Path cacheDir = null;
        for (int i = 0; i < argv.length; i += 2) {
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(argv[i] + " needs a value");
            }
            String value = argv[i + 1];
            switch (argv[i]) {
                case "--host" -> host = value;
                case "--port" -> port = Integer.parseInt(value);
                case "--rpc-port" -> rpcPort = Integer.parseInt(value);
                case "--threads" -> threads = Integer.parseInt(value);
                case "--token-file" -> tokenFile = Path.of(value);
                case "--cache-dir" -> cacheDir = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + argv[i]
                        + " (expected --host, --port, --rpc-port, --threads, --token-file, --cache-dir)");
            }
        }
        runUntilKilled(new Worker(host, port, rpcPort, WorkerAuth.fromFile(tokenFile), threads, cacheDir));
    }

    /** Starts {@code worker}, announces its endpoints, and parks the calling thread for the life of the process. */
    public static void runUntilKilled(Worker worker) throws InterruptedException {
        Worker.Endpoints endpoints = worker.start();
        System.out.println("panllama worker ready control=" + endpoints.control() + " rpc=" + endpoints.rpc());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
