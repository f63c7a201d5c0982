package dev.panllama.cli;

import dev.panllama.engine.ParallelConfig;
import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Flags that spread an engine over devices, worker processes and replicas. */
final class ParallelOptions {
    @Option(names = "--rpc-workers", split = ",", description = "Control endpoints HOST:PORT of `panllama worker`s, in rank order;"
            + " the model is split over them.")
    List<String> rpcWorkers = List.of();

    @Option(names = "--worker-token-file", description = "The token file the workers were started with.")
    Path workerTokenFile;

    @Option(names = {"-tp", "--tensor-parallel-size"}, defaultValue = "0",
            description = "Devices one replica is split over (default: every RPC worker, or 1).")
    int tensorParallelSize;

    @Option(names = "--split-mode", defaultValue = "layer",
            description = "layer (pipeline; works over RPC) or tensor (experimental; needs flash attention) (default: ${DEFAULT-VALUE}).")
    String splitMode;

    @Option(names = {"-dp", "--data-parallel-size"}, defaultValue = "1", description = "Engine cores, each with its own model"
            + " copy, behind a load balancer (default: ${DEFAULT-VALUE}).")
    int dataParallelSize;

    ParallelConfig toConfig() {
        SplitMode mode = switch (splitMode.toLowerCase(Locale.ROOT)) {
            case "layer" -> SplitMode.LAYER;
            case "tensor" -> SplitMode.TENSOR;
            case "none" -> SplitMode.NONE;
            default -> throw new IllegalArgumentException("--split-mode must be layer, tensor or none, got " + splitMode);
        };
        return new ParallelConfig(rpcWorkers, workerTokenFile, tensorParallelSize, mode, dataParallelSize);
    }
}
