package dev.panllama.engine.workers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.engine.nativeapi.BackendDevice;
import dev.panllama.engine.nativeapi.BackendDevices;
import dev.panllama.engine.nativeapi.DevicePlacement;
import dev.panllama.engine.nativeapi.RpcFailureGuard;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers in other processes ({@code panllama worker}): the model's weights are split over their ggml RPC
 * servers and {@code collectiveRpc} goes to their control endpoints. A health check pings every worker; one
 * that stops answering fails the executor, and the engine with it (its share of the model is gone).
 */
public final class RemoteExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteExecutor.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PING_INTERVAL = Duration.ofMillis(250);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);
    private static final int MISSED_PINGS_TO_LOSE = 2;

    private final List<RemoteWorkerClient> workers;
    private final DevicePlacement placement;
    private final HttpClient http;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Consumer<Throwable>> listeners = new CopyOnWriteArrayList<>();
    private final Thread monitor;
    /** ggml's RPC client gave up on a server: name the worker that no longer answers, off the native thread. */
    private final Consumer<String> rpcFailure = message -> Thread.ofVirtual().start(() -> fail(identifyLost(message)));
    private volatile boolean closed;

    private RemoteExecutor(List<RemoteWorkerClient> workers, DevicePlacement placement, HttpClient http) {
        this.workers = workers;
        this.placement = placement;
        this.http = http;
        this.monitor = Thread.ofVirtual().name("panllama-worker-health").unstarted(this::watch);
    }

    /**
     * Asks each worker (in rank order) where its RPC server listens, registers those servers as ggml devices and
     * returns an executor whose placement spans them.
     */
    public static RemoteExecutor connect(List<String> controlEndpoints, WorkerAuth auth, DevicePlacement.SplitMode splitMode) {
        RpcFailureGuard.install();
        HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        List<RemoteWorkerClient> workers = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        for (int rank = 0; rank < controlEndpoints.size(); rank++) {
            RemoteWorkerClient worker = new RemoteWorkerClient(rank, controlEndpoints.get(rank), auth, http);
            JsonNode info = worker.info(CONNECT_TIMEOUT);
            String rpc = info.path("rpc_endpoint").asText(null);
            if (rpc == null) {
                throw new WorkerCallException(rank, "info", "bad_reply", "worker at " + worker.endpoint()
                        + " did not say where its RPC server listens");
            }
            for (BackendDevice device : BackendDevices.addRpcServer(rpc)) {
                devices.add(device.name());
            }
            workers.add(worker);
            LOG.info("worker rank {}: control {} rpc {}", rank, worker.endpoint(), rpc);
        }
        RemoteExecutor executor = new RemoteExecutor(List.copyOf(workers), new DevicePlacement(devices, splitMode, List.of()), http);
        RpcFailureGuard.addListener(executor.rpcFailure);
        executor.monitor.start();
        return executor;
    }

    @Override
    public int size() {
        return workers.size();
    }

    @Override
    public DevicePlacement placement() {
        return placement;
    }

    @Override
    public CompletableFuture<List<Object>> collectiveRpc(String method, Duration timeout, List<Object> args,
                                                         Map<String, Object> kwargs) {
        List<CompletableFuture<Object>> replies = new ArrayList<>();
        for (RemoteWorkerClient worker : workers) {
            replies.add(worker.call(method, timeout, args == null ? List.of() : args, kwargs == null ? Map.of() : kwargs));
        }
        return Deadlines.gather(replies, method, timeout);
    }

    @Override
    public <T> CompletableFuture<List<T>> collectiveRpc(WorkerFunction<T> function, Duration timeout) {
        return CompletableFuture.failedFuture(new WorkerCallException(0, "<lambda>", "unsupported", "a Java function"
                + " cannot run on remote workers; register a WorkerMethod on the workers' classpath and call it by name"));
    }

    @Override
    public Throwable failure() {
        return failure.get();
    }

    @Override
    public void onFailure(Consumer<Throwable> listener) {
        listeners.add(listener);
        Throwable already = failure.get();
        if (already != null) {
            listener.accept(already);
        }
    }

    /**
     * Pings every worker until one is lost or the executor closes. A worker is lost after
     * {@value #MISSED_PINGS_TO_LOSE} missed pings in a row: a killed process misses both within half a second, while
     * one slow answer on a loaded machine does not end the engine.
     */
    private void watch() {
        int[] missed = new int[workers.size()];
        while (!closed && failure.get() == null) {
            for (RemoteWorkerClient worker : workers) {
                try {
                    worker.call("ping", PING_TIMEOUT, List.of(), Map.of()).join();
                    missed[worker.rank()] = 0;
                } catch (RuntimeException e) {
                    if (++missed[worker.rank()] >= MISSED_PINGS_TO_LOSE && !closed) {
                        fail(new WorkerLostException(worker.rank(), worker.endpoint(), rootMessage(e)));
                        return;
                    }
                }
            }
            try {
                Thread.sleep(PING_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private WorkerLostException identifyLost(String rpcMessage) {
        for (RemoteWorkerClient worker : workers) {
            try {
                worker.call("ping", Duration.ofSeconds(1), List.of(), Map.of()).join();
            } catch (RuntimeException e) {
                return new WorkerLostException(worker.rank(), worker.endpoint(), "its RPC connection failed: " + rpcMessage);
            }
        }
        return new WorkerLostException(-1, "one of " + workers.stream().map(RemoteWorkerClient::endpoint).toList(),
                "an RPC connection failed while every control endpoint still answers: " + rpcMessage);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private void fail(Throwable cause) {
        if (failure.compareAndSet(null, cause)) {
            LOG.error("{}", cause.getMessage());
            for (Consumer<Throwable> listener : listeners) {
                listener.accept(cause);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        RpcFailureGuard.removeListener(rpcFailure);
        monitor.interrupt();
        http.close();
    }
}
