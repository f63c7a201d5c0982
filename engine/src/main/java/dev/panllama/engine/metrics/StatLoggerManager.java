package dev.panllama.engine.metrics;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans the engine's statistics out to its loggers in vLLM's order: custom loggers first, then the console
 * logger, then the metrics registry. A logger that throws is logged and skipped, never allowed to break the
 * output thread that feeds it.
 */
public final class StatLoggerManager implements StatLogger {
    private static final Logger LOG = LoggerFactory.getLogger(StatLoggerManager.class);

    private final List<StatLogger> loggers;

    public StatLoggerManager(List<StatLogger> loggers) {
        this.loggers = List.copyOf(loggers);
    }

    public List<StatLogger> loggers() {
        return loggers;
    }

    @Override
    public void recordStep(SchedulerStats stats) {
        each(l -> l.recordStep(stats));
    }

    @Override
    public void recordTokens(int newTokens, Duration timeToFirstToken, Duration interTokenLatency) {
        each(l -> l.recordTokens(newTokens, timeToFirstToken, interTokenLatency));
    }

    @Override
    public void recordFinished(FinishedRequestStats request) {
        each(l -> l.recordFinished(request));
    }

    @Override
    public void recordDetokenization(long step, long startNanos, long nanos) {
        each(l -> l.recordDetokenization(step, startNanos, nanos));
    }

    @Override
    public void recordSleepState(int level) {
        each(l -> l.recordSleepState(level));
    }

    @Override
    public void log() {
        each(StatLogger::log);
    }

    private void each(java.util.function.Consumer<StatLogger> call) {
        for (StatLogger logger : loggers) {
            try {
                call.accept(logger);
            } catch (RuntimeException e) {
                LOG.warn("stat logger {} failed", logger.getClass().getName(), e);
            }
        }
    }
}
