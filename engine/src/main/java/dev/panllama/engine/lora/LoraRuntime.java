package dev.panllama.engine.lora;

import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.nativeapi.LoraAdapter;
import java.util.Set;

/**
 * The engine's view of LoRA support: validation on the caller's thread, and on the engine thread the adapter
 * registry and the adapters that running requests hold. Implemented by the LoRA module and found with
 * {@link java.util.ServiceLoader} through {@link LoraRuntimeProvider}, so the engine does not depend on it.
 */
public interface LoraRuntime extends AutoCloseable {

    /** Checks in Java that the request's file may be used and fits the model; throws a typed error if not. */
    void validate(LoraRequest request);

    /** Loads and registers an adapter (a warm-up); true also when it was registered already. Engine thread. */
    boolean add(LoraRequest request);

    /** Unregisters an adapter, pinned or not; false for unknown ids. Requests holding it keep it until they end. */
    boolean remove(int id);

    /** Keeps a registered adapter from eviction. Throws a typed error for unknown ids or when no slot is left. */
    boolean pin(int id);

    /** Ids of the registered adapters. */
    Set<Integer> list();

    /** The adapter for a request, loaded if needed; the request holds it until it closes the lease. Engine thread. */
    Lease acquire(LoraRequest request);

    /** Frees every adapter; the engine thread calls it before the model goes. */
    @Override
    void close();

    /** A request's hold on a loaded adapter. Two leases with equal {@link #adapterSet()} may share a batch. */
    interface Lease extends AutoCloseable {
        /**
         * What identifies the adapter set for batching and KV: the loaded adapter and its scale. The scheduler asks every
         * running request for it each step, so a lease returns one instance rather than building it per call.
         */
        AdapterSet adapterSet();

        @Override
        void close();
    }

    /** One adapter at one scale; sequences computed under different sets never share a decode or KV. */
    record AdapterSet(LoraAdapter adapter, float scale) {}
}
