package dev.panllama.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.ggml_log_callback;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Native log lines must reach SLF4J rather than the process's raw stderr. slf4j-simple (the test binding)
 * looks up {@code System.err} on every write, so swapping it captures exactly what went through SLF4J:
 * anything llama.cpp printed itself would go to file descriptor 2 and never show up in the capture.
 */
class NativeLogTest {

    @BeforeAll
    static void loadNatives() {
        NativeLibrary.load();
    }

    @Test
    void failedModelLoadIsLoggedThroughSlf4j() {
        String missing = "/nonexistent-panllama-" + UUID.randomUUID() + "/model.gguf";
        MemorySegment[] model = new MemorySegment[1];

        String log = captureStderr(() -> {
            try (Arena arena = Arena.ofConfined()) {
                model[0] = LlamaCpp.llama_model_load_from_file(arena.allocateFrom(missing),
                        LlamaCpp.llama_model_default_params(arena));
            }
        });

        assertEquals(0, model[0].address(), "loading a missing file must return NULL");
        assertTrue(log.lines().anyMatch(l -> l.contains("ERROR " + NativeLog.LOGGER_NAME + " - ") && l.contains(missing)),
                "no ERROR line naming " + missing + " from logger " + NativeLog.LOGGER_NAME + " in:\n" + log);
    }

    /**
     * llama.cpp hands over line fragments and GGML_LOG_LEVEL_CONT continuations; calling the installed
     * callback directly pins down that it is NativeLog's and that it assembles them into one line.
     */
    @Test
    void installedCallbackAssemblesFragmentsIntoLines() {
        MemorySegment callback;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callbackOut = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment userDataOut = arena.allocate(ValueLayout.ADDRESS);
            LlamaCpp.llama_log_get(callbackOut, userDataOut);
            callback = callbackOut.get(ValueLayout.ADDRESS, 0);
        }
        assertNotEquals(0, callback.address(), "NativeLibrary.load() installed no log callback");
        String marker = "panllama-" + UUID.randomUUID();

        String log = captureStderr(() -> {
            try (Arena arena = Arena.ofConfined()) {
                ggml_log_callback.invoke(callback, LlamaCpp.GGML_LOG_LEVEL_WARN(), arena.allocateFrom("first " + marker),
                        MemorySegment.NULL);
                ggml_log_callback.invoke(callback, LlamaCpp.GGML_LOG_LEVEL_CONT(), arena.allocateFrom(" half\nsecond "),
                        MemorySegment.NULL);
                ggml_log_callback.invoke(callback, LlamaCpp.GGML_LOG_LEVEL_CONT(), arena.allocateFrom(marker + "\n"),
                        MemorySegment.NULL);
            }
        });

        String prefix = "WARN " + NativeLog.LOGGER_NAME + " - ";
        assertTrue(log.contains(prefix + "first " + marker + " half\n"), log);
        assertTrue(log.contains(prefix + "second " + marker + "\n"), log);
    }

    private static String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }
}
