package dev.panllama.engine.metrics;

import java.time.Duration;

/**
 * Receives the engine's statistics as they happen, on the output thread (keep each call short). Register custom
 * loggers through {@link dev.panllama.engine.EngineObservability}; every method has a no-op default.
 */
public interface StatLogger {

    /** After every step, and after aborts, pauses and sleeps that changed the queues without a step. */
    default void recordStep(SchedulerStats stats) {}

    /**
     * A completion produced tokens.
     *
     * @param timeToFirstToken set when these include its first token (arrival to first token), else null
     * @param interTokenLatency set for tokens after the first (time since its previous output), else null
     */
    default void recordTokens(int newTokens, Duration timeToFirstToken, Duration interTokenLatency) {}

    default void recordFinished(FinishedRequestStats request) {}

    /** The output thread spent {@code nanos} from {@code startNanos} turning step {@code step}'s tokens into text. */
    default void recordDetokenization(long step, long startNanos, long nanos) {}

    /** The sleep level after a sleep or wake-up: -1 awake, 0, 1 or 2. */
    default void recordSleepState(int level) {}

    /** Called by {@code doLogStats()}: summarise the interval since the previous call. */
    default void log() {}
}
