package dev.panllama.benchmarks;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Lets the JVM finish what an earlier phase left running before panllama's side is measured: llama.cpp's tools start
 * as fresh processes on a quiet host, while panllama's engines share one JVM with everything measured before them.
 * <p>
 * A warm-up leaves the JIT compiling (a GPU single stream makes about 1,000 steps a second, so 3 s of warm-up is where
 * the per-step code moves to its final tier), and an earlier phase leaves garbage that a collection cycle would start
 * on during the measurement. Settling collects the garbage now and then waits until the JIT's compile time stops
 * growing, up to a cap, so compiler and collector threads do not compete with the measured decode loop.
 */
final class JvmSettling {
    /** The JIT counts as done once its compile time has not grown for this long. */
    static final long QUIET_NANOS = 500_000_000L;
    /** The longest a settle waits: a JIT that keeps compiling must not stall a benchmark run. */
    static final long CAP_NANOS = 5_000_000_000L;
    private static final long POLL_MILLIS = 50;

    private JvmSettling() {}

    /** A warm-up: the first-use costs of what is about to be measured. */
    interface WarmUp {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code warmUp}, then {@link #settle}s. On a failure or an interrupt, {@code close} frees what was warmed up
     * (the caller never gets it back) before the failure is rethrown; an interrupt comes back as an
     * {@link IllegalStateException} with the thread's interrupt flag set again.
     */
    static void warmUpAndSettle(WarmUp warmUp, Runnable close) {
        try {
            warmUp.run();
            settle();
        } catch (InterruptedException e) {
            close.run();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while warming up", e);
        } catch (RuntimeException | Error e) {
            close.run();
            throw e;
        }
    }

    /**
     * Collects garbage, then waits for the JIT to go quiet (at most {@link #CAP_NANOS}).
     *
     * @return the nanoseconds spent
     */
    static long settle() throws InterruptedException {
        long start = System.nanoTime();
        System.gc();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return System.nanoTime() - start;
        }
        long compiled = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < QUIET_NANOS && System.nanoTime() - start < CAP_NANOS) {
            Thread.sleep(POLL_MILLIS);
            long now = jit.getTotalCompilationTime();
            if (now != compiled) {
                compiled = now;
                quietSince = System.nanoTime();
            }
        }
        return System.nanoTime() - start;
    }
}
