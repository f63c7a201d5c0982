package dev.panllama.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatLoggerManagerTest {

    @Test
    void callsLoggersInOrderAndSurvivesOneThatThrows() {
        List<String> calls = new ArrayList<>();
        StatLogger first = new StatLogger() {
            @Override
            public void log() {
                calls.add("custom");
            }
        };
        StatLogger broken = new StatLogger() {
            @Override
            public void log() {
                throw new IllegalStateException("a broken custom logger");
            }
        };
        StatLogger last = new StatLogger() {
            @Override
            public void log() {
                calls.add("metrics");
            }

            @Override
            public void recordSleepState(int level) {
                calls.add("sleep " + level);
            }
        };
        StatLoggerManager manager = new StatLoggerManager(List.of(first, broken, last));
        manager.log();
        manager.recordSleepState(1);
        assertEquals(List.of("custom", "metrics", "sleep 1"), calls);
        assertEquals(List.of(first, broken, last), manager.loggers());
    }
}
