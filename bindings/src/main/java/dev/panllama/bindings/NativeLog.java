package dev.panllama.bindings;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.ggml_log_callback;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes llama.cpp's and ggml's log output to SLF4J (logger {@value #LOGGER_NAME}) through one upcall.
 *
 * <p>The callback runs on whatever native thread logs, so it must never throw: an exception escaping an
 * upcall terminates the JVM. llama.cpp sends fragments of a line and continuation records
 * ({@code GGML_LOG_LEVEL_CONT}); each thread assembles its own line and logs it at the newline.
 */
public final class NativeLog {
    static final String LOGGER_NAME = "llama.cpp";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final ThreadLocal<PendingLine> PENDING = ThreadLocal.withInitial(PendingLine::new);
    private static final ThreadLocal<StringBuilder> ERRORS = ThreadLocal.withInitial(StringBuilder::new);

    /** Lowest llama.cpp level forwarded to SLF4J: 0 debug, 1 info, 2 warn, 3 error. */
    private static volatile int threshold;

    private NativeLog() {}

    /**
     * Forwards only native log lines at {@code level} or above ("debug", "info", "warn", "error"); error lines are
     * still collected for {@link #takeErrors()}. Returns the previous level.
     */
    public static String setLevel(String level) {
        int next = switch (level == null ? "" : level.toLowerCase(java.util.Locale.ROOT)) {
            case "debug" -> 0;
            case "info" -> 1;
            case "warn", "warning" -> 2;
            case "error" -> 3;
            default -> throw new IllegalArgumentException("log level '" + level + "' is not one of debug, info, warn, error");
        };
        String previous = level();
        threshold = next;
        return previous;
    }

    /** The current forwarding level. */
    public static String level() {
        return switch (threshold) {
            case 0 -> "debug";
            case 1 -> "info";
            case 2 -> "warn";
            default -> "error";
        };
    }

    /** Installs the upcall; its stub lives for the process, as llama.cpp keeps the pointer globally. */
    static void install() {
        MemorySegment callback = ggml_log_callback.allocate(NativeLog::onLog, Arena.global());
        LlamaCpp.llama_log_set(callback, MemorySegment.NULL);
    }

    /**
     * The error lines llama.cpp logged on this thread since the previous call, joined with "; ", or null.
     * Calls that fail by returning NULL (model load, context creation) explain themselves only through the log,
     * and the line that names the cause usually comes before the generic "failed to load" one.
     */
    public static String takeErrors() {
        StringBuilder errors = ERRORS.get();
        String joined = errors.isEmpty() ? null : errors.toString();
        errors.setLength(0);
        return joined;
    }

    private static void onLog(int level, MemorySegment text, MemorySegment userData) {
        try {
            PendingLine line = PENDING.get();
            if (level != LlamaCpp.GGML_LOG_LEVEL_CONT()) {
                line.level = level;
            }
            // a debug line nobody forwards is dropped before its text is read: llama.cpp and ggml send debug lines from
            // hot paths (a GPU decode logs its graph reuse every step), and this runs on the decoding thread
            if (line.level == LlamaCpp.GGML_LOG_LEVEL_DEBUG() && threshold > 0) {
                return;
            }
            line.text.append(text.reinterpret(Long.MAX_VALUE).getString(0));
            int newline;
            while ((newline = line.text.indexOf("\n")) >= 0) {
                String message = line.text.substring(0, newline);
                line.text.delete(0, newline + 1);
                if (!message.isBlank()) {
                    emit(line.level, message);
                }
            }
        } catch (Throwable t) {
            // never let anything cross back into native code
        }
    }

    private static void emit(int level, String message) {
        if (level == LlamaCpp.GGML_LOG_LEVEL_ERROR()) {
            StringBuilder errors = ERRORS.get();
            if (errors.length() < 4096) { // a runaway error loop must not grow this without bound
                errors.append(errors.isEmpty() ? "" : "; ").append(message.strip());
            }
            LOG.error(message);
        } else if (level == LlamaCpp.GGML_LOG_LEVEL_WARN()) {
            if (threshold <= 2) {
                LOG.warn(message);
            }
        } else if (level == LlamaCpp.GGML_LOG_LEVEL_DEBUG()) {
            if (threshold == 0) {
                LOG.debug(message);
            }
        } else if (threshold <= 1) {
            LOG.info(message);
        }
    }

    private static final class PendingLine {
        final StringBuilder text = new StringBuilder();
        int level;
    }
}
