package dev.panllama.engine.core;

import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.Model;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import dev.panllama.engine.PauseMode;
import dev.panllama.engine.SleepTag;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/** Runs the engine core on a thread of this process. */
public final class InProcessClient implements EngineCoreClient {
    private final EngineCore core;
    private volatile Consumer<Object> sink = item -> { };
    private volatile boolean stopped;

    /** Takes ownership of the model and context: the engine thread frees them when it ends. */
    public InProcessClient(Model model, Context context, EngineArgs args, int maxModelLen) {
        this(model, context, args, maxModelLen, null);
    }

    /** @param lora the engine's LoRA support, closed by the engine thread when it ends; null for none */
    public InProcessClient(Model model, Context context, EngineArgs args, int maxModelLen, LoraRuntime lora) {
        this.core = new EngineCore(model, context, args, maxModelLen, lora, item -> sink.accept(item));
        core.start();
    }

    @Override
    public void setOutputSink(Consumer<Object> sink) {
        this.sink = sink;
    }

    @Override
    public void addRequest(EngineRequest request) {
        core.submit(new EngineCore.Add(request));
    }

    @Override
    public void abortRequests(Collection<String> requestIds) {
        if (!requestIds.isEmpty() && core.isAlive()) {
            core.submit(new EngineCore.Abort(List.copyOf(requestIds)));
        }
    }

    @Override
    public CompletableFuture<EngineSnapshot> snapshot() {
        return call(EngineCore::snapshot);
    }

    @Override
    public CompletableFuture<Boolean> resetPrefixCache(boolean resetRunningRequests) {
        return call(core -> core.resetPrefixCache(resetRunningRequests));
    }

    @Override
    public CompletableFuture<Void> pause(PauseMode mode, boolean clearCache) {
        return call(core -> core.control().pause(mode, clearCache)).thenCompose(done -> done);
    }

    @Override
    public CompletableFuture<Void> resume() {
        return call(core -> {
            core.control().resume();
            return null;
        });
    }

    @Override
    public CompletableFuture<Boolean> isPaused() {
        return call(core -> core.control().isPaused());
    }

    @Override
    public CompletableFuture<SleepStatus> sleep(int level) {
        return call(core -> core.control().sleep(level));
    }

    @Override
    public CompletableFuture<SleepStatus> wakeUp(Set<SleepTag> tags) {
        return call(core -> core.control().wakeUp(tags));
    }

    @Override
    public CompletableFuture<SleepStatus> sleepStatus() {
        return call(core -> core.control().sleepStatus());
    }

    @Override
    public CompletableFuture<Void> drain() {
        return call(core -> core.control().drain()).thenCompose(done -> done);
    }

    @Override
    public <T> CompletableFuture<T> loraCall(Function<LoraRuntime, T> call) {
        return call(core -> call.apply(core.lora()));
    }

    /** Runs {@code utility} on the engine thread between steps. */
    public <T> CompletableFuture<T> call(Function<EngineCore, T> utility) {
        CompletableFuture<T> reply = new CompletableFuture<>();
        core.submit(new EngineCore.Utility<>(utility, reply));
        return reply;
    }

    /** Test hook: makes the engine thread fail as a native error would, between steps. */
    public void failEngine(RuntimeException cause) {
        core.submit(new EngineCore.Utility<>(c -> {
            throw new EngineFailure(cause);
        }, new CompletableFuture<>()));
    }

    /**
     * Ends the engine because part of its model is gone (a lost RPC worker): live requests fail with
     * {@code cause}, and the model is not freed, since freeing remote buffers on a dead server aborts the process.
     */
    public void abandon(RuntimeException cause) {
        core.abandonNativeMemory();
        failEngine(cause);
    }

    @Override
    public Throwable deathCause() {
        return core.deathCause();
    }

    @Override
    public void shutdown(Duration timeout) {
        if (stopped) {
            return;
        }
        stopped = true;
        core.submit(new EngineCore.Stop());
        try {
            core.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An error that must kill the engine loop rather than fail one utility call. */
    static final class EngineFailure extends Error {
        EngineFailure(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
