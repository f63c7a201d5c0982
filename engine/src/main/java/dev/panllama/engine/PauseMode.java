package dev.panllama.engine;

import java.util.Locale;

/** What {@link AsyncLLM#pauseGeneration(PauseMode, boolean)} does with requests already in the engine. */
public enum PauseMode {
    /** Every request, waiting or running, ends with finish reason abort; new ones queue until resume. */
    ABORT,
    /** Running requests finish normally; waiting ones stay queued; the pause completes when none runs. */
    WAIT,
    /** Everything freezes in place and continues after resume with the same tokens. */
    KEEP;

    /** The older boolean form: waiting for in-flight requests meant WAIT, not waiting meant ABORT. */
    public static PauseMode fromWaitForInflightRequests(boolean waitForInflightRequests) {
        return waitForInflightRequests ? WAIT : ABORT;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PauseMode fromWireName(String name) {
        for (PauseMode mode : values()) {
            if (mode.wireName().equals(name)) {
                return mode;
            }
        }
        throw new InvalidRequestException("mode", name, "pause mode '" + name + "' is not one of abort, wait, keep");
    }
}
