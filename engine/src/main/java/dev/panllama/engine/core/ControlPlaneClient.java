package dev.panllama.engine.core;

import dev.panllama.engine.PauseMode;
import dev.panllama.engine.SleepTag;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The engine's control calls. Each runs on the engine thread between steps; a future that waits for a
 * condition (a WAIT pause, a drain) completes after the outputs that led to it were delivered, and fails if
 * the engine dies first.
 */
public interface ControlPlaneClient {

    CompletableFuture<Void> pause(PauseMode mode, boolean clearCache);

    CompletableFuture<Void> resume();

    CompletableFuture<Boolean> isPaused();

    CompletableFuture<SleepStatus> sleep(int level);

    CompletableFuture<SleepStatus> wakeUp(Set<SleepTag> tags);

    CompletableFuture<SleepStatus> sleepStatus();

    /** Completes when the engine holds no request. */
    CompletableFuture<Void> drain();
}
