package dev.panllama.engine.workers;

import dev.panllama.engine.nativeapi.DevicePlacement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Owns the workers of one model replica: where its weights go and how {@code collectiveRpc} reaches every worker.
 * Results come back one per worker, in rank order; a failure names the worker's rank.
 */
public sealed interface Executor extends AutoCloseable permits LocalExecutor, RemoteExecutor {

    /** Workers in this replica. */
    int size();

    /** The devices the model loads onto and how it is split over them. */
    DevicePlacement placement();

    /**
     * Calls {@code method} on every worker.
     *
     * @param timeout one deadline for all replies (null = wait forever); past it the future fails with
     *                {@link WorkerTimeoutException}
     */
    CompletableFuture<List<Object>> collectiveRpc(String method, Duration timeout, List<Object> args, Map<String, Object> kwargs);

    /** Runs a Java function on every worker; only in-process workers can run one. */
    <T> CompletableFuture<List<T>> collectiveRpc(WorkerFunction<T> function, Duration timeout);

    /** Null while every worker is reachable; the reason once one is lost (sticky). */
    Throwable failure();

    /** Called once, from a background thread, when a worker is lost. */
    void onFailure(Consumer<Throwable> listener);

    @Override
    void close();
}
