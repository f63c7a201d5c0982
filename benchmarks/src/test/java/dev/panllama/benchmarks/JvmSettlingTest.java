package dev.panllama.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class JvmSettlingTest {

    @Test
    void waitsForAQuietJitButNoLongerThanItsCap() throws InterruptedException {
        long spent = JvmSettling.settle();
        if (ManagementFactory.getCompilationMXBean().isCompilationTimeMonitoringSupported()) {
            assertTrue(spent >= JvmSettling.QUIET_NANOS, "returned before the JIT was quiet for long: " + spent + " ns");
        }
        // the cap bounds the wait; the margin is for the collection before it and a late wake-up
        assertTrue(spent < JvmSettling.CAP_NANOS + 3_000_000_000L, "waited past its cap: " + spent + " ns");
    }
}
