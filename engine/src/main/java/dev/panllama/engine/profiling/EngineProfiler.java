package dev.panllama.engine.profiling;

import dev.panllama.engine.ProfilingNotConfiguredException;
import dev.panllama.engine.metrics.SchedulerStats;
import dev.panllama.engine.metrics.StatLogger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * {@code startProfile}/{@code stopProfile}: a JFR recording of the whole JVM (the "profile" settings: CPU samples,
 * allocations, locks) plus the engine's steps as a Chrome trace, written to the configured directory as
 * {@code <prefix>-<utc time>.jfr} and {@code <prefix>-<utc time>.trace.json}. Steps are fed to it as a stat
 * logger and recorded only while a profile runs.
 */
public final class EngineProfiler implements StatLogger {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final Path directory;
    private Recording recording;
    private ChromeTraceWriter trace;
    private String prefix;
    private int steps;

    /** @param directory where profiles go; null means profiling is not configured */
    public EngineProfiler(Path directory) {
        this.directory = directory;
    }

    public synchronized void start(String profilePrefix) {
        if (directory == null) {
            throw new ProfilingNotConfiguredException("profiling is not enabled: set a profile directory in"
                    + " EngineObservability.withProfileDirectory(...)");
        }
        if (recording != null) {
            throw new IllegalStateException("a profile is already running; stop it first");
        }
        try {
            Files.createDirectories(directory);
            Recording r = new Recording(Configuration.getConfiguration("profile"));
            r.setName("panllama-profile");
            r.enable(EngineStepEvent.class);
            r.start();
            recording = r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the profile directory " + directory, e);
        } catch (ParseException e) {
            throw new IllegalStateException("the JDK's 'profile' JFR settings cannot be read", e);
        }
        trace = new ChromeTraceWriter(System.nanoTime());
        prefix = profilePrefix == null || profilePrefix.isBlank() ? "panllama" : profilePrefix;
        steps = 0;
    }

    public synchronized ProfileResult stop() {
        if (recording == null) {
            throw new IllegalStateException("no profile is running; call startProfile first");
        }
        String base = prefix + "-" + STAMP.format(Instant.now());
        Path jfr = directory.resolve(base + ".jfr");
        Path json = directory.resolve(base + ".trace.json");
        try (Recording r = recording) {
            r.stop();
            r.dump(jfr);
            trace.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the profile to " + directory, e);
        } finally {
            recording = null;
        }
        ProfileResult result = new ProfileResult(jfr, json, steps);
        trace = null;
        return result;
    }

    public synchronized boolean isProfiling() {
        return recording != null;
    }

    @Override
    public synchronized void recordStep(SchedulerStats s) {
        if (trace == null || !s.isStep()) {
            return;
        }
        steps++;
        trace.step(s);
        EngineStepEvent event = new EngineStepEvent();
        event.step = s.step();
        event.prefillRequests = s.prefillRequests().size();
        event.prefillTokens = s.prefillTokens();
        event.decodeRequests = s.decodeRequests().size();
        event.running = s.running();
        event.waiting = s.waiting();
        event.kvUsedTokens = s.kvUsedTokens();
        event.decodeNanos = s.decodeNanos();
        event.sampleNanos = s.sampleNanos();
        event.stepNanos = s.stepNanos();
        event.commit();
    }

    @Override
    public synchronized void recordDetokenization(long step, long startNanos, long nanos) {
        if (trace != null) {
            trace.detokenization(step, startNanos, nanos);
        }
    }
}
