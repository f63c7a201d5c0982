package dev.panllama.engine.core;

import dev.panllama.engine.FinishReason;
import dev.panllama.engine.PauseMode;
import dev.panllama.engine.SleepModeException;
import dev.panllama.engine.SleepTag;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pause, sleep and drain, as states of the engine loop rather than locks in the front end. Every method runs on
 * the engine thread between steps (UTILITY commands), so none of them can race a decode. Futures that wait for
 * a condition (a WAIT pause, a drain) complete through the output queue, after the outputs that led there were
 * delivered: a caller who sees the pause complete has also seen every final output.
 */
final class EngineControl {
    private static final Logger LOG = LoggerFactory.getLogger(EngineControl.class);
    private static final Set<SleepTag> MEMORY_TAGS = EnumSet.of(SleepTag.WEIGHTS, SleepTag.KV_CACHE);

    private final EngineCore core;
    private final boolean sleepModeEnabled;
    private PauseState pause = PauseState.UNPAUSED;
    private final EnumSet<SleepTag> sleeping = EnumSet.noneOf(SleepTag.class);
    private int sleepLevel = -1;
    /** WAIT pauses: done when nothing runs; the flag says whether to clear the cache then. */
    private final List<Waiter> pauseWaiters = new ArrayList<>();
    private final List<CompletableFuture<Void>> drainWaiters = new ArrayList<>();

    private record Waiter(CompletableFuture<Void> done, boolean clearCache) {}

    EngineControl(EngineCore core, boolean sleepModeEnabled) {
        this.core = core;
        this.sleepModeEnabled = sleepModeEnabled;
    }

    /** Whether waiting requests may be admitted this step. */
    boolean admitsWaiting() {
        return pause.admitsWaiting() && sleeping.isEmpty();
    }

    /** Whether the loop has anything it may step now; when false it blocks on the inbox instead of spinning. */
    boolean canStep(Scheduler scheduler) {
        if (!scheduler.hasUnfinished() || !sleeping.isEmpty()) {
            return false;
        }
        return pause.admitsWaiting() || (pause.stepsRunning() && scheduler.runningCount() > 0);
    }

    boolean isPaused() {
        return pause != PauseState.UNPAUSED;
    }

    SleepStatus sleepStatus() {
        return sleeping.isEmpty() ? SleepStatus.AWAKE : new SleepStatus(sleepLevel, sleeping);
    }

    CompletableFuture<Void> pause(PauseMode mode, boolean clearCache) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pause = pause.pausedBy(mode);
        switch (mode) {
            case ABORT -> {
                abortAll();
                signal(done);
            }
            case KEEP -> {
                if (clearCache) {
                    clearCache();
                }
                signal(done);
            }
            case WAIT -> {
                pauseWaiters.add(new Waiter(done, clearCache));
                checkWaiters();
            }
        }
        core.publishState();
        return done;
    }

    /** Lifts the caller's pause; a no-op when not paused. Sleep keeps scheduling stopped until wake-up. */
    void resume() {
        if (pause == PauseState.UNPAUSED) {
            return;
        }
        pause = PauseState.UNPAUSED;
        // a WAIT pause that was still waiting is superseded: its caller must not hang
        for (Waiter w : pauseWaiters) {
            signal(w.done());
        }
        pauseWaiters.clear();
    }

    /**
     * Level 0 stops scheduling; levels 1 and 2 also free the context (KV cache, compute buffers); level 1 moves
     * device-resident weights to host memory (host weights stay where they are), level 2 frees the weights. Requests in flight freeze; at level 1 and 2 the running ones lose their KV cells and
     * recompute them after wake-up (their sampled tokens and sampler state are kept, so greedy output is the same).
     */
    SleepStatus sleep(int level) {
        if (!sleepModeEnabled) {
            throw new SleepModeException("sleep mode is not enabled: build the engine with EngineArgs.enableSleepMode(true)");
        }
        if (level < 0 || level > 2) {
            throw new SleepModeException("sleep level " + level + " is not one of 0 (pause scheduling), 1 (free the KV cache)"
                    + " or 2 (free KV cache and weights)");
        }
        if (level == 2 && core.loraEnabled()) {
            // loaded adapters belong to the model level 2 frees; reloading them all on wake-up is not done yet
            throw new SleepModeException("sleep level 2 frees the model its LoRA adapters were loaded for: use level 1"
                    + " with LoRA enabled");
        }
        if (!sleeping.isEmpty()) {
            LOG.warn("sleep({}) ignored: the engine is already asleep at level {}", level, sleepLevel);
            return sleepStatus();
        }
        sleeping.add(SleepTag.SCHEDULING);
        if (level >= 1) {
            clearCache();
            core.resources().freeContext();
            sleeping.addAll(MEMORY_TAGS);
        }
        if (level == 1) {
            core.resources().moveWeightsToHost();
        } else if (level == 2) {
            core.resources().freeModel();
        }
        sleepLevel = level;
        core.publishState();
        return sleepStatus();
    }

    /**
     * Brings back the given tags (all when empty). The KV cache needs the weights, so waking it while they are
     * released is refused. Scheduling resumes only once neither weights nor KV cache sleeps any more.
     */
    SleepStatus wakeUp(Set<SleepTag> tags) {
        Set<SleepTag> asked = tags == null || tags.isEmpty() ? EnumSet.allOf(SleepTag.class) : EnumSet.copyOf(tags);
        if (sleeping.isEmpty()) {
            LOG.warn("wake_up({}) ignored: the engine is not asleep", asked);
            return sleepStatus();
        }
        if (asked.contains(SleepTag.KV_CACHE) && sleeping.contains(SleepTag.KV_CACHE)
                && !asked.contains(SleepTag.WEIGHTS) && core.resources().weightsReleased()) {
            throw new SleepModeException("the KV cache cannot wake before the weights it runs on: wake 'weights' first"
                    + " (or both together)");
        }
        boolean wokeMemory = false;
        if (asked.contains(SleepTag.WEIGHTS) && sleeping.remove(SleepTag.WEIGHTS)) {
            core.resources().reloadModel();
            wokeMemory = true;
        }
        if (asked.contains(SleepTag.KV_CACHE) && sleeping.remove(SleepTag.KV_CACHE)) {
            core.resources().recreateContext();
            core.rebind();
            wokeMemory = true;
        }
        boolean memoryAwake = sleeping.stream().noneMatch(MEMORY_TAGS::contains);
        if (memoryAwake && (wokeMemory || asked.contains(SleepTag.SCHEDULING))) {
            sleeping.remove(SleepTag.SCHEDULING);
        } else if (asked.contains(SleepTag.SCHEDULING)) {
            LOG.warn("scheduling stays paused: {} still asleep", sleeping);
        }
        if (sleeping.isEmpty()) {
            sleepLevel = -1;
        }
        core.publishState();
        return sleepStatus();
    }

    /** Completes once the engine holds no request (an idle engine answers at once). */
    CompletableFuture<Void> drain() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        drainWaiters.add(done);
        checkWaiters();
        return done;
    }

    /** Called after every step and command: completes the waits whose condition now holds. */
    void checkWaiters() {
        Scheduler scheduler = core.scheduler();
        if (!pauseWaiters.isEmpty() && (scheduler.runningCount() == 0 || !pause.stepsRunning() || !sleeping.isEmpty())) {
            boolean clear = pauseWaiters.stream().anyMatch(Waiter::clearCache);
            if (clear) {
                clearCache();
            }
            pauseWaiters.forEach(w -> signal(w.done()));
            pauseWaiters.clear();
        }
        if (!drainWaiters.isEmpty() && !scheduler.hasUnfinished()) {
            drainWaiters.forEach(this::signal);
            drainWaiters.clear();
        }
    }

    /** The engine is dying: nobody may wait on it forever. */
    void failWaiters(Throwable cause) {
        pauseWaiters.forEach(w -> w.done().completeExceptionally(cause));
        pauseWaiters.clear();
        drainWaiters.forEach(d -> d.completeExceptionally(cause));
        drainWaiters.clear();
    }

    /** Ends every request in the engine with finish reason abort; each client gets a final output. */
    private void abortAll() {
        Scheduler scheduler = core.scheduler();
        List<EngineCoreOutput> outputs = new ArrayList<>();
        for (EngineRequest request : scheduler.unfinished()) {
            scheduler.remove(request.id());
            core.releaseHeld(request); // its adapter too: a pause must not pin adapters of requests it aborted
            request.finish(FinishReason.ABORT, null);
            outputs.add(new EngineCoreOutput(request.id(), new int[0], null, FinishReason.ABORT, null,
                    request.cachedTokens(), null, request.firstScheduledNanos()));
        }
        if (!outputs.isEmpty()) {
            core.emitOutputs(outputs);
        }
    }

    /**
     * Frees every KV cell: running requests are preempted (they keep their tokens and samplers and recompute their
     * prefix when scheduled again), then the prefix cache is emptied.
     */
    private void clearCache() {
        Scheduler scheduler = core.scheduler();
        scheduler.preemptAll();
        if (!core.kv().resetPrefixCache()) {
            throw new IllegalStateException("the prefix cache could not be emptied after every request was preempted");
        }
        if (core.resources().hasContext()) {
            core.kv().clearMemory();
        }
    }

    /** Completes {@code done} on the output thread, after every output sent before it. */
    private void signal(CompletableFuture<Void> done) {
        core.afterOutputs(() -> done.complete(null));
    }
}
