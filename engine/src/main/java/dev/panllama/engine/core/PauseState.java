package dev.panllama.engine.core;

import dev.panllama.engine.PauseMode;

/**
 * The scheduler's pause states, as vLLM models them: {@code PAUSED_NEW} lets running requests keep stepping
 * but admits nobody from the waiting queue; {@code PAUSED_ALL} schedules nothing at all.
 */
enum PauseState {
    UNPAUSED,
    PAUSED_NEW,
    PAUSED_ALL;

    /** The state after pausing in {@code mode} from this one; a deeper pause is never relaxed by a shallower one. */
    PauseState pausedBy(PauseMode mode) {
        PauseState wanted = mode == PauseMode.KEEP ? PAUSED_ALL : PAUSED_NEW;
        return wanted.ordinal() > ordinal() ? wanted : this;
    }

    boolean admitsWaiting() {
        return this == UNPAUSED;
    }

    boolean stepsRunning() {
        return this != PAUSED_ALL;
    }
}
