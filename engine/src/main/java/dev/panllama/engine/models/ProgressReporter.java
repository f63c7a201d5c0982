package dev.panllama.engine.models;

import dev.panllama.engine.models.SynthesisProgress.Phase;

/** Turns per-phase fractions into the overall, never-decreasing fraction a listener sees, without flooding it. */
final class ProgressReporter {
    /** Below this change an update is dropped (a 1000-step bar cannot show it anyway). */
    private static final double MIN_STEP = 0.001;

    private final SynthesisProgress listener;
    private final boolean quantizing;
    private Phase lastPhase;
    private double lastFraction;

    ProgressReporter(SynthesisProgress listener, boolean quantizing) {
        this.listener = listener == null ? SynthesisProgress.NONE : listener;
        this.quantizing = quantizing;
    }

    /** Reports {@code phaseFraction} (0..1) of {@code phase}. */
    void report(Phase phase, double phaseFraction) {
        double start = start(phase);
        double overall = start + (end(phase) - start) * Math.clamp(phaseFraction, 0.0, 1.0);
        overall = Math.max(overall, lastFraction);
        boolean completesPhase = phaseFraction >= 1.0 && overall > lastFraction;
        if (phase == lastPhase && overall - lastFraction < MIN_STEP && !completesPhase) {
            return;
        }
        lastPhase = phase;
        lastFraction = overall;
        listener.onProgress(phase, overall);
    }

    // generating weights dominates an unquantized run; quantizing reads and writes everything once more
    private double start(Phase phase) {
        return switch (phase) {
            case TOKENIZER -> 0.0;
            case WEIGHTS -> 0.02;
            case WRITING -> quantizing ? 0.60 : 0.85;
            case QUANTIZING -> 0.70;
            case DONE -> 1.0;
        };
    }

    private double end(Phase phase) {
        return switch (phase) {
            case TOKENIZER -> 0.02;
            case WEIGHTS -> start(Phase.WRITING);
            case WRITING -> quantizing ? start(Phase.QUANTIZING) : 1.0;
            case QUANTIZING, DONE -> 1.0;
        };
    }
}
