package dev.panllama.engine.workers;

import java.util.List;
import java.util.Map;

/**
 * A method that {@code collectiveRpc} can call on a worker by name. Besides the built-ins, implementations on a
 * worker's classpath are found with {@link java.util.ServiceLoader} (declare them in
 * {@code META-INF/services/dev.panllama.engine.workers.WorkerMethod}). Arguments and results of remote calls
 * travel as JSON: use strings, numbers, booleans, lists and maps.
 */
public interface WorkerMethod {

    /** The name callers use. */
    String name();

    /** Runs on the worker; a thrown exception reaches the caller with the worker's rank and this message. */
    Object invoke(WorkerContext worker, List<Object> args, Map<String, Object> kwargs) throws Exception;
}
