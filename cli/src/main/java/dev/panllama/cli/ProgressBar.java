package dev.panllama.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr, redrawn only when the shown percentage changes; silent when stderr
 * is not a terminal so logs and CI output stay clean.
 */
final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final boolean enabled;
    private int shown = -1;

    ProgressBar(String label) {
        this(label, System.err, System.console() != null);
    }

    ProgressBar(String label, PrintStream out, boolean enabled) {
        this.label = label;
        this.out = out;
        this.enabled = enabled;
    }

    /** Shows {@code fraction} (0..1) done, with an optional phase name. Returns true so it can be a load callback. */
    boolean update(double fraction, String phase) {
        int percent = (int) Math.round(Math.max(0, Math.min(1, fraction)) * 100);
        if (enabled && percent != shown) {
            shown = percent;
            int filled = percent * WIDTH / 100;
            out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "%"
                    + (phase == null ? "" : " " + phase) + "\u001b[K");
            out.flush();
        }
        return true;
    }

    @Override
    public void close() {
        if (enabled && shown >= 0) {
            out.println();
        }
    }
}
