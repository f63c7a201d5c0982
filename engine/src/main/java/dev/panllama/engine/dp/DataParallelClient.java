package dev.panllama.engine.dp;

import dev.panllama.engine.DrainTimeoutException;
import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.core.EngineCoreClient;
import dev.panllama.engine.core.EngineCoreOutput;
import dev.panllama.engine.core.EngineRequest;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.core.StepOutputs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import dev.panllama.engine.PauseMode;
import dev.panllama.engine.SleepTag;
import dev.panllama.engine.core.SleepStatus;
import dev.panllama.engine.lora.LoraRuntime;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data parallelism: several engine cores, each with its own model and KV cache, behind one load balancer that
 * sends each request to the core with the fewest outstanding tokens (or to the core its data_parallel_rank pins).
 * All completions of one n > 1 request go to one core, as they share the prompt's KV. Cores can be added and,
 * after draining, removed while requests run ({@link #scale}).
 */
public final class DataParallelClient implements EngineCoreClient {
    private static final Logger LOG = LoggerFactory.getLogger(DataParallelClient.class);
    private static final Duration POLL = Duration.ofMillis(20);

    private final Supplier<EngineCoreClient> coreFactory;
    private final List<EngineCoreReplica> cores = new CopyOnWriteArrayList<>();
    private final Map<String, Routed> owners = new ConcurrentHashMap<>();
    /** Where each n > 1 request's completions go, and how many of them are still live. */
    private final Map<String, EngineCoreReplica> promptGroups = new ConcurrentHashMap<>();
    private final Map<String, Integer> promptGroupMembers = new ConcurrentHashMap<>();
    private final Object routing = new Object();
    private final Object scaling = new Object();
    private volatile Consumer<Object> sink = item -> { };
    private volatile boolean stopped;

    /**
     * @param first       rank 0, already started (it owns the tokenizer's model, so it is never removed)
     * @param coreFactory starts one more core (loads its own model and context)
     */
    public DataParallelClient(EngineCoreClient first, Supplier<EngineCoreClient> coreFactory, int size) {
        this.coreFactory = coreFactory;
        attach(first);
        try {
            for (int rank = 1; rank < size; rank++) {
                attach(coreFactory.get());
            }
        } catch (RuntimeException e) {
            shutdown(Duration.ofSeconds(5));
            throw e;
        }
    }

    private void attach(EngineCoreClient client) {
        EngineCoreReplica core = new EngineCoreReplica(cores.size(), client);
        client.setOutputSink(item -> deliver(core, item));
        cores.add(core);
    }

    /** Accounts a core's outputs, forgets finished requests, and passes everything on. */
    private void deliver(EngineCoreReplica core, Object item) {
        if (item instanceof StepOutputs step) {
            for (EngineCoreOutput output : step.outputs()) {
                core.account(output);
                if (output.finished()) {
                    forget(output.requestId());
                }
            }
        }
        sink.accept(item);
    }

    /** Outstanding tokens per core, in rank order. */
    public List<Long> outstandingTokens() {
        return cores.stream().map(EngineCoreReplica::outstandingTokens).toList();
    }

    @Override
    public int dataParallelSize() {
        return cores.size();
    }

    @Override
    public void addRequest(EngineRequest request) {
        addRequest(request, null);
    }

    @Override
    public void addRequest(EngineRequest request, Integer dataParallelRank) {
        EngineCoreReplica core;
        synchronized (routing) {
            core = request.promptGroup() != null ? promptGroups.get(request.promptGroup()) : null;
            if (core == null) {
                core = pick(dataParallelRank);
            }
            if (request.promptGroup() != null) {
                promptGroups.put(request.promptGroup(), core);
                promptGroupMembers.merge(request.promptGroup(), 1, Integer::sum);
            }
            core.charge(request);
            owners.put(request.id(), new Routed(core, request.promptGroup()));
        }
        core.client().addRequest(request);
    }

    /** A request left its core: drop its route, and its group's once the group's last completion is done. */
    private EngineCoreReplica forget(String requestId) {
        Routed routed = owners.remove(requestId);
        if (routed == null) {
            return null;
        }
        if (routed.promptGroup() != null) {
            synchronized (routing) {
                if (promptGroupMembers.merge(routed.promptGroup(), -1, Integer::sum) <= 0) {
                    promptGroupMembers.remove(routed.promptGroup());
                    promptGroups.remove(routed.promptGroup());
                }
            }
        }
        return routed.core();
    }

    private record Routed(EngineCoreReplica core, String promptGroup) {}

    private EngineCoreReplica pick(Integer pinned) {
        List<EngineCoreReplica> now = List.copyOf(cores);
        if (pinned != null) {
            if (pinned < 0 || pinned >= now.size()) {
                throw new InvalidRequestException("data_parallel_rank", pinned, "data_parallel_rank " + pinned
                        + " is out of range [0, " + now.size() + ")");
            }
            return now.get(pinned);
        }
        return now.stream().filter(c -> !c.draining()).min(Comparator.comparingLong(EngineCoreReplica::outstandingTokens)
                .thenComparingInt(EngineCoreReplica::rank)).orElseThrow(() -> new EngineDeadException("no engine core is accepting requests"));
    }

    @Override
    public void abortRequests(Collection<String> requestIds) {
        Map<EngineCoreReplica, List<String>> byCore = new HashMap<>();
        for (String id : requestIds) {
            EngineCoreReplica core = forget(id);
            if (core != null) {
                core.release(id);
                byCore.computeIfAbsent(core, c -> new ArrayList<>()).add(id);
            }
        }
        byCore.forEach((core, ids) -> core.client().abortRequests(ids));
    }

    /** Every core's snapshot summed; the prefix cache statistics are rank 0's. */
    @Override
    public CompletableFuture<EngineSnapshot> snapshot() {
        return onEveryCore(EngineCoreClient::snapshot).thenApply(s -> new EngineSnapshot(
                sum(s, EngineSnapshot::running), sum(s, EngineSnapshot::waiting), sum(s, EngineSnapshot::busySlots),
                sum(s, EngineSnapshot::totalSlots), sum(s, EngineSnapshot::kvUsedTokens), sum(s, EngineSnapshot::kvCapacity),
                sum(s, EngineSnapshot::activeSamplers), s.stream().mapToLong(EngineSnapshot::steps).sum(),
                s.stream().mapToLong(EngineSnapshot::preemptions).sum(), s.getFirst().prefixCache()));
    }

    private static int sum(List<EngineSnapshot> snapshots, java.util.function.ToIntFunction<EngineSnapshot> field) {
        return snapshots.stream().mapToInt(field).sum();
    }

    /** Resets every core's prefix cache; true only if all of them reset. */
    @Override
    public CompletableFuture<Boolean> resetPrefixCache(boolean resetRunningRequests) {
        return onEveryCore(c -> c.resetPrefixCache(resetRunningRequests))
                .thenApply(all -> all.stream().allMatch(Boolean::booleanValue));
    }

    /** One control call on every core; completes with their answers in rank order. */
    private <T> CompletableFuture<List<T>> onEveryCore(java.util.function.Function<EngineCoreClient, CompletableFuture<T>> call) {
        List<CompletableFuture<T>> all = cores.stream().map(c -> call.apply(c.client())).toList();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(done -> all.stream().map(CompletableFuture::join).toList());
    }

    @Override
    public CompletableFuture<Void> pause(PauseMode mode, boolean clearCache) {
        return onEveryCore(c -> c.pause(mode, clearCache)).thenApply(done -> null);
    }

    @Override
    public CompletableFuture<Void> resume() {
        return onEveryCore(EngineCoreClient::resume).thenApply(done -> null);
    }

    @Override
    public CompletableFuture<Boolean> isPaused() {
        return onEveryCore(EngineCoreClient::isPaused).thenApply(all -> all.stream().anyMatch(Boolean::booleanValue));
    }

    @Override
    public CompletableFuture<SleepStatus> sleep(int level) {
        return onEveryCore(c -> c.sleep(level)).thenApply(List::getFirst);
    }

    @Override
    public CompletableFuture<SleepStatus> wakeUp(Set<SleepTag> tags) {
        return onEveryCore(c -> c.wakeUp(tags)).thenApply(List::getFirst);
    }

    /** Rank 0's sleep state: every control call reaches all cores alike. */
    @Override
    public CompletableFuture<SleepStatus> sleepStatus() {
        return cores.getFirst().client().sleepStatus();
    }

    @Override
    public CompletableFuture<Void> drain() {
        return onEveryCore(EngineCoreClient::drain).thenApply(done -> null);
    }

    /** LoRA adapters live in one core's context; data-parallel engines refuse LoRA when they are built. */
    @Override
    public <T> CompletableFuture<T> loraCall(java.util.function.Function<LoraRuntime, T> call) {
        return CompletableFuture.failedFuture(new IllegalStateException("LoRA is not supported with data parallelism"));
    }

    @Override
    public void setOutputSink(Consumer<Object> sink) {
        this.sink = sink;
    }

    @Override
    public Throwable deathCause() {
        for (EngineCoreReplica core : cores) {
            Throwable cause = core.client().deathCause();
            if (cause != null) {
                return cause;
            }
        }
        return null;
    }

    /**
     * Grows to {@code newSize} cores (new ones load their own model and take requests at once) or shrinks to it:
     * the highest ranks stop taking requests, finish the ones they have, and are shut down. Requests never fail
     * because of a resize; a drain that outlives {@code drainTimeout} puts the cores back in service and throws.
     *
     * @throws DrainTimeoutException when the cores to remove still run requests at the timeout
     */
    public void scale(int newSize, Duration drainTimeout) {
        if (newSize < 1) {
            throw new InvalidRequestException("new_data_parallel_size", newSize, "new_data_parallel_size must be >= 1, got " + newSize);
        }
        synchronized (scaling) {
            if (stopped) {
                throw new EngineDeadException("the engine was shut down");
            }
            int size = cores.size();
            if (newSize == size) {
                LOG.info("data parallel size is already {}", size);
            } else if (newSize > size) {
                for (int rank = size; rank < newSize; rank++) {
                    attach(coreFactory.get());
                }
                LOG.info("data parallel size {} -> {}", size, newSize);
            } else {
                shrink(newSize, drainTimeout);
                LOG.info("data parallel size {} -> {}", size, newSize);
            }
        }
    }

    private void shrink(int newSize, Duration drainTimeout) {
        List<EngineCoreReplica> leaving = List.copyOf(cores.subList(newSize, cores.size()));
        synchronized (routing) {
            leaving.forEach(core -> core.setDraining(true));
        }
        try {
            awaitIdle(leaving, drainTimeout, "scaling down to " + newSize + " core(s)");
        } catch (RuntimeException e) {
            leaving.forEach(core -> core.setDraining(false));
            throw e;
        }
        synchronized (routing) {
            cores.removeAll(leaving);
            promptGroups.values().removeIf(leaving::contains);
        }
        for (EngineCoreReplica core : leaving) {
            core.client().shutdown(Duration.ofSeconds(10));
        }
    }

    private void awaitIdle(List<EngineCoreReplica> watched, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int live = watched.stream().mapToInt(EngineCoreReplica::liveRequests).sum();
            if (live == 0) {
                return;
            }
            Throwable death = deathCause();
            if (death != null) {
                throw new EngineDeadException(death);
            }
            if (System.nanoTime() >= deadline) {
                throw new DrainTimeoutException(what, live, timeout);
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DrainTimeoutException(what + " (interrupted)", live, timeout);
            }
        }
    }

    @Override
    public void shutdown(Duration timeout) {
        stopped = true;
        for (EngineCoreReplica core : cores) {
            core.client().shutdown(timeout);
        }
    }
}
