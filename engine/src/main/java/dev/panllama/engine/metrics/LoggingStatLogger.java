package dev.panllama.engine.metrics;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console summary: one line per {@code doLogStats()} with the throughput since the previous call and the
 * current queues, after vLLM's logging stat logger. An idle interval (no tokens now and before) logs at DEBUG.
 */
public final class LoggingStatLogger implements StatLogger {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingStatLogger.class);

    private long promptTokens;
    private long generationTokens;
    private long lastLogNanos = System.nanoTime();
    private boolean lastIntervalIdle = true;
    private SchedulerStats latest;
    private int sleepLevel = -1;
    private String lastLine;

    @Override
    public synchronized void recordStep(SchedulerStats stats) {
        latest = stats;
        if (stats.isStep()) {
            promptTokens += stats.prefillTokens();
        }
    }

    @Override
    public synchronized void recordTokens(int newTokens, java.time.Duration ttft, java.time.Duration itl) {
        generationTokens += newTokens;
    }

    @Override
    public synchronized void recordSleepState(int level) {
        sleepLevel = level;
    }

    @Override
    public synchronized void log() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-9, (now - lastLogNanos) / 1e9);
        double promptThroughput = promptTokens / seconds;
        double generationThroughput = generationTokens / seconds;
        SchedulerStats s = latest;
        lastLine = String.format(Locale.ROOT, "Engine 000: Avg prompt throughput: %.1f tokens/s, Avg generation throughput:"
                        + " %.1f tokens/s, Running: %d reqs, Waiting: %d reqs, Preemptions: %d, KV cache usage: %.1f%%,"
                        + " Prefix cache hit rate: %.1f%%, Sleep: %s",
                promptThroughput, generationThroughput, s == null ? 0 : s.running(), s == null ? 0 : s.waiting(),
                s == null ? 0 : s.preemptions(), s == null ? 0 : s.kvUsage() * 100,
                s == null ? 0 : s.prefixCacheHitRate() * 100, sleepLevel < 0 ? "awake" : "level " + sleepLevel);
        boolean idle = promptTokens == 0 && generationTokens == 0;
        if (idle && lastIntervalIdle) {
            LOG.debug(lastLine);
        } else {
            LOG.info(lastLine);
        }
        lastIntervalIdle = idle;
        promptTokens = 0;
        generationTokens = 0;
        lastLogNanos = now;
    }

    /** The line the latest {@link #log()} wrote, or null before the first. */
    public synchronized String lastLine() {
        return lastLine;
    }
}
