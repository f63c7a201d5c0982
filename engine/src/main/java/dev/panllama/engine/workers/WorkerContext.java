package dev.panllama.engine.workers;

import java.nio.file.Path;

/**
 * What a worker method knows about the worker it runs on.
 *
 * @param rank        the worker's rank in its replica (for a remote worker: as the engine numbers it)
 * @param deviceName  the ggml device the worker computes on ("CPU", "CUDA0", ...)
 * @param rpcEndpoint where the worker's ggml RPC server listens, or null for an in-process worker
 * @param rpcCacheDir the RPC server's tensor cache, or null when caching is off
 */
public record WorkerContext(int rank, String deviceName, String rpcEndpoint, Path rpcCacheDir) {

    public WorkerContext withRank(int newRank) {
        return new WorkerContext(newRank, deviceName, rpcEndpoint, rpcCacheDir);
    }
}
