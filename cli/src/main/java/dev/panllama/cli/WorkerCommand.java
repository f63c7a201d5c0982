package dev.panllama.cli;

import dev.panllama.engine.workers.Worker;
import dev.panllama.engine.workers.WorkerAuth;
import dev.panllama.engine.workers.WorkerMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code panllama worker}: lends this machine's CPU to an engine over ggml RPC and answers its collective RPCs. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Run a worker: a ggml RPC server that holds part of an engine's model, and a control endpoint"
                + " (token-authenticated) for collective RPC. Start the engine with --rpc-workers HOST:PORT,..."
                + " --worker-token-file F.",
            "ggml RPC has no authentication or encryption: keep --host on loopback or a private network."})
final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address both servers bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", required = true, description = "Control endpoint port (0 = any free port).")
    int port;

    @Option(names = "--token-file", required = true, description = "File holding the token the engine must present.")
    Path tokenFile;

    @Option(names = "--rpc-port", defaultValue = "0", description = "ggml RPC server port (default: any free port).")
    int rpcPort;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "CPU threads for computing (default: all cores).")
    int threads;

    @Option(names = "--cache-dir", description = "Cache large tensors here by hash, so a restarted engine sends them once.")
    Path cacheDir;

    @Override
    public Integer call() throws InterruptedException {
        WorkerMain.runUntilKilled(new Worker(host, port, rpcPort, WorkerAuth.fromFile(tokenFile), threads, cacheDir));
        return 0;
    }
}
