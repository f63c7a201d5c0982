package dev.panllama.engine;

import dev.panllama.engine.core.EngineCoreClient;
import dev.panllama.engine.core.SleepStatus;
import dev.panllama.engine.profiling.ProfileResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * {@link AsyncLLM}'s control calls: they forward to the engine thread, record sleep state in the stats, and turn
 * failures caused by a dead engine into {@link EngineDeadException} (a pending call never hangs on a dead engine).
 */
final class ControlPlane {
    private final EngineCoreClient client;
    private final EngineTelemetry telemetry;
    private final BooleanSupplier errored;
    private final Supplier<EngineDeadException> deadError;
    private final IntSupplier liveRequests;

    ControlPlane(EngineCoreClient client, EngineTelemetry telemetry, BooleanSupplier errored,
                 Supplier<EngineDeadException> deadError, IntSupplier liveRequests) {
        this.client = client;
        this.telemetry = telemetry;
        this.errored = errored;
        this.deadError = deadError;
        this.liveRequests = liveRequests;
    }

    CompletableFuture<Void> pauseGeneration(PauseMode mode, boolean clearCache) {
        if (mode == null) {
            return CompletableFuture.failedFuture(new InvalidRequestException("mode", null, "pause mode is required: abort, wait or keep"));
        }
        return guarded(() -> client.pause(mode, clearCache));
    }

    CompletableFuture<Void> resumeGeneration() {
        return guarded(client::resume);
    }

    CompletableFuture<Boolean> isPaused() {
        return guarded(client::isPaused);
    }

    CompletableFuture<Void> sleep(int level) {
        return guarded(() -> client.sleep(level)).thenAccept(this::recordSleep);
    }

    CompletableFuture<Void> wakeUp(SleepTag... tags) {
        Set<SleepTag> asked = tags == null ? Set.of() : Set.of(tags);
        return guarded(() -> client.wakeUp(asked)).thenAccept(this::recordSleep);
    }

    /** True until every released tag is awake again (a mere {@code pauseGeneration} is not sleep). */
    CompletableFuture<Boolean> isSleeping() {
        return guarded(client::sleepStatus).thenApply(SleepStatus::sleeping);
    }

    private void recordSleep(SleepStatus status) {
        telemetry.loggers.recordSleepState(status.level());
    }

    CompletableFuture<Void> waitForRequestsToDrain(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            return CompletableFuture.failedFuture(new InvalidRequestException("drain_timeout", timeout,
                    "drain timeout must be zero or positive"));
        }
        CompletableFuture<Void> drained = guarded(client::drain);
        CompletableFuture<Void> result = new CompletableFuture<>();
        drained.orTimeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                result.completeExceptionally(new DrainTimeoutException("waiting for requests to drain",
                        liveRequests.getAsInt(), timeout));
            } else if (cause != null) {
                result.completeExceptionally(cause);
            } else {
                result.complete(null);
            }
        });
        return result;
    }

    /** Drains for up to {@code timeout}, then aborts whatever is left so every stream ends with a final output. */
    void drainOrAbort(Duration timeout) {
        try {
            if (!timeout.isZero()) {
                try {
                    waitForRequestsToDrain(timeout).get();
                    return;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof DrainTimeoutException)) {
                        return; // the engine is gone: shutdown has nothing left to drain
                    }
                }
            }
            pauseGeneration(PauseMode.ABORT, false).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // shutting down regardless: live streams then end with EngineDeadException
        }
    }

    String doLogStats() {
        if (telemetry.console == null) {
            return null;
        }
        telemetry.loggers.log();
        return telemetry.console.lastLine();
    }

    String scrapePrometheus() {
        return telemetry.scrapePrometheus();
    }

    MeterRegistry meterRegistry() {
        return telemetry.registry;
    }

    boolean isTracingEnabled() {
        return telemetry.tracer != null;
    }

    void startProfile(String prefix) {
        telemetry.profiler.start(prefix);
    }

    ProfileResult stopProfile() {
        return telemetry.profiler.stop();
    }

    /** Calls the engine; a failure while the engine is dead becomes {@link EngineDeadException}. */
    private <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> call) {
        if (errored.getAsBoolean()) {
            return CompletableFuture.failedFuture(deadError.get());
        }
        return call.get().exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof PanllamaException) && errored.getAsBoolean()) {
                EngineDeadException dead = deadError.get();
                dead.addSuppressed(cause);
                return CompletableFuture.failedFuture(dead);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }
}
