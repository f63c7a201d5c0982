package dev.panllama.engine.workers;

/** A Java lambda for {@code collectiveRpc} on in-process workers (it cannot travel to another process). */
@FunctionalInterface
public interface WorkerFunction<T> {
    T apply(WorkerContext worker) throws Exception;
}
