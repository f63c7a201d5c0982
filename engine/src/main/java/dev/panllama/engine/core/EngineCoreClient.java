package dev.panllama.engine.core;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import dev.panllama.engine.lora.LoraRuntime;

/**
 * How the front end talks to an engine core: ADD, ABORT and utility calls, nothing else. In-process now
 * ({@link InProcessClient}); a process-isolated client can implement the same contract later.
 */
public interface EngineCoreClient extends ControlPlaneClient, AutoCloseable {

    void addRequest(EngineRequest request);

    /** Adds a request pinned to one data-parallel engine (null = the load balancer's choice). */
    default void addRequest(EngineRequest request, Integer dataParallelRank) {
        addRequest(request);
    }

    /** Engine cores behind this client. */
    default int dataParallelSize() {
        return 1;
    }

    void abortRequests(Collection<String> requestIds);

    /** The engine's queues, slots and KV between steps. */
    CompletableFuture<EngineSnapshot> snapshot();

    /** Empties the prefix cache between steps; see {@code AsyncLLM.resetPrefixCache}. */
    CompletableFuture<Boolean> resetPrefixCache(boolean resetRunningRequests);

    /** Runs a LoRA control call (add, remove, pin, list) on the engine thread between steps. */
    <T> CompletableFuture<T> loraCall(Function<LoraRuntime, T> call);

    /** Where step outputs go; set once before the first request. */
    void setOutputSink(Consumer<Object> sink);

    /** Null while healthy; the reason once the engine thread has died. */
    Throwable deathCause();

    /** Stops the engine thread after the current step and frees the model and context. Idempotent. */
    void shutdown(Duration timeout);

    @Override
    default void close() {
        shutdown(Duration.ofSeconds(5));
    }
}
