package dev.panllama.engine.core;

import dev.panllama.engine.SleepTag;
import java.util.Set;

/**
 * Where sleep mode stands, read on the engine thread.
 *
 * @param level         the level of the current sleep (0, 1 or 2), or -1 when awake
 * @param sleepingTags  what is still released; empty when awake
 */
public record SleepStatus(int level, Set<SleepTag> sleepingTags) {
    public static final SleepStatus AWAKE = new SleepStatus(-1, Set.of());

    public SleepStatus {
        sleepingTags = Set.copyOf(sleepingTags);
    }

    public boolean sleeping() {
        return !sleepingTags.isEmpty();
    }
}
