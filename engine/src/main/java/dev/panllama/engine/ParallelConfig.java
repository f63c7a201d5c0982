package dev.panllama.engine;

import dev.panllama.engine.nativeapi.ContextParams.FlashAttention;
import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import java.nio.file.Path;
import java.util.List;

/**
 * How an engine spreads over devices, hosts and replicas.
 *
 * @param rpcWorkers         control endpoints ("host:port") of {@code panllama worker} processes, in rank order; the
 *                           model's weights are split over their ggml RPC servers (empty = this process's devices)
 * @param workerTokenFile    the file holding the token the workers were started with (required with rpcWorkers)
 * @param tensorParallelSize devices one replica is split over (0 = every RPC worker, or 1 without workers)
 * @param splitMode          LAYER (pipeline: contiguous layers per device) or TENSOR (every weight split; llama.cpp's
 *                           experimental meta device, which needs flash attention)
 * @param dataParallelSize   engine cores, each with its own model and KV cache, behind one load balancer
 */
public record ParallelConfig(List<String> rpcWorkers, Path workerTokenFile, int tensorParallelSize, SplitMode splitMode,
                             int dataParallelSize) {

    public ParallelConfig {
        rpcWorkers = rpcWorkers == null ? List.of() : List.copyOf(rpcWorkers);
        splitMode = splitMode == null ? SplitMode.LAYER : splitMode;
        if (dataParallelSize < 1) {
            throw new InvalidRequestException("data_parallel_size", dataParallelSize, "data_parallel_size must be >= 1, got "
                    + dataParallelSize);
        }
        if (tensorParallelSize < 0) {
            throw new InvalidRequestException("tensor_parallel_size", tensorParallelSize,
                    "tensor_parallel_size must be >= 0, got " + tensorParallelSize);
        }
        for (String worker : rpcWorkers) {
            if (worker == null || !worker.matches("[^:\\s]+:\\d{1,5}")) {
                throw new InvalidRequestException("rpc_workers", worker, "RPC worker '" + worker + "' is not host:port");
            }
        }
        if (!rpcWorkers.isEmpty() && workerTokenFile == null) {
            throw new InvalidRequestException("worker_token_file", null,
                    "rpc_workers need worker_token_file: the token the workers were started with (--token-file)");
        }
        if (!rpcWorkers.isEmpty() && tensorParallelSize != 0 && tensorParallelSize != rpcWorkers.size()) {
            throw new InvalidRequestException("tensor_parallel_size", tensorParallelSize, "tensor_parallel_size "
                    + tensorParallelSize + " does not match the " + rpcWorkers.size() + " RPC workers (leave it 0 to use all)");
        }
        if (!rpcWorkers.isEmpty() && dataParallelSize > 1) {
            throw new InvalidRequestException("data_parallel_size", dataParallelSize, "data_parallel_size > 1 with"
                    + " rpc_workers is not supported: a ggml RPC server serves one engine at a time, so each replica"
                    + " would need workers of its own");
        }
    }

    public static ParallelConfig single() {
        return new ParallelConfig(List.of(), null, 0, SplitMode.LAYER, 1);
    }

    /** Devices one replica spans. */
    public int effectiveTensorParallelSize() {
        return tensorParallelSize > 0 ? tensorParallelSize : Math.max(1, rpcWorkers.size());
    }

    /**
     * TENSOR split needs flash attention: llama.cpp splits the attention heads across devices and only its flash
     * attention kernel works on a split KV cache (AUTO turns it on; DISABLED is refused).
     */
    void checkAgainst(FlashAttention flashAttention) {
        if (splitMode == SplitMode.TENSOR && flashAttention == FlashAttention.DISABLED) {
            throw new InvalidRequestException("split_mode", splitMode, "split_mode TENSOR needs flash attention: the KV"
                    + " cache is split by attention head across devices and only the flash attention kernel computes on"
                    + " a split cache. Set flash_attention to AUTO or ENABLED, or use split_mode LAYER.");
        }
        if (splitMode == SplitMode.TENSOR && effectiveTensorParallelSize() < 2) {
            throw new InvalidRequestException("split_mode", splitMode, "split_mode TENSOR splits every weight over"
                    + " several devices; give it tensor_parallel_size >= 2 (or two RPC workers)");
        }
    }
}
