package dev.panllama.engine.workers;

import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.nativeapi.BackendDevice;
import dev.panllama.engine.nativeapi.BackendDevices;
import dev.panllama.engine.nativeapi.DevicePlacement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * This process's devices as workers: one per device the model is split over (the CPU when there is no other).
 * Methods and Java functions run in-process, each worker's call on its own virtual thread.
 */
public final class LocalExecutor implements Executor {
    private final List<WorkerContext> workers;
    private final DevicePlacement placement;
    private final WorkerMethods methods = WorkerMethods.discover();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    private LocalExecutor(List<WorkerContext> workers, DevicePlacement placement) {
        this.workers = workers;
        this.placement = placement;
    }

    /**
     * @param tensorParallelSize devices to split over (0 or 1 = llama.cpp's default placement, one worker)
     */
    public static LocalExecutor create(int tensorParallelSize, DevicePlacement.SplitMode splitMode) {
        List<BackendDevice> offload = BackendDevices.offloadDevices();
        if (tensorParallelSize > 1) {
            if (offload.size() < tensorParallelSize) {
                throw new InvalidRequestException("tensor_parallel_size", tensorParallelSize, "tensor_parallel_size "
                        + tensorParallelSize + " needs as many GPUs (or RPC workers), but this process has "
                        + offload.size() + ": " + offload.stream().map(BackendDevice::name).toList());
            }
            List<String> names = offload.subList(0, tensorParallelSize).stream().map(BackendDevice::name).toList();
            List<WorkerContext> workers = new ArrayList<>();
            for (int rank = 0; rank < names.size(); rank++) {
                workers.add(new WorkerContext(rank, names.get(rank), null, null));
            }
            return new LocalExecutor(workers, new DevicePlacement(names, splitMode, List.of()));
        }
        String device = offload.isEmpty() ? "CPU" : offload.getFirst().name();
        return new LocalExecutor(List.of(new WorkerContext(0, device, null, null)), DevicePlacement.automatic());
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
        return collectiveRpc(worker -> methods.invoke(method, worker, args, kwargs), method, timeout);
    }

    @Override
    public <T> CompletableFuture<List<T>> collectiveRpc(WorkerFunction<T> function, Duration timeout) {
        return collectiveRpc(function, "<lambda>", timeout);
    }

    private <T> CompletableFuture<List<T>> collectiveRpc(WorkerFunction<T> function, String method, Duration timeout) {
        List<CompletableFuture<T>> replies = new ArrayList<>();
        for (WorkerContext worker : workers) {
            CompletableFuture<T> reply = new CompletableFuture<>();
            threads.submit(() -> {
                try {
                    reply.complete(function.apply(worker));
                } catch (WorkerCallException e) {
                    reply.completeExceptionally(e);
                } catch (Exception e) {
                    reply.completeExceptionally(new WorkerCallException(worker.rank(), method, e.getClass().getName(),
                            String.valueOf(e.getMessage()), e));
                }
            });
            replies.add(reply);
        }
        return Deadlines.gather(replies, method, timeout);
    }

    @Override
    public Throwable failure() {
        return null;
    }

    /** In-process devices are not lost on their own: a failing device fails the engine's decode instead. */
    @Override
    public void onFailure(Consumer<Throwable> listener) {
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
