package dev.panllama.engine.models;

/**
 * Receives a synthesis's progress on the thread that runs it. An exception thrown here aborts the synthesis
 * (and is rethrown from {@link ModelSynthesizer#synthesize}); nothing is left behind.
 */
@FunctionalInterface
public interface SynthesisProgress {
    /** Ignores every update. */
    SynthesisProgress NONE = (phase, fraction) -> {};

    /** The steps of a synthesis, in order; each names itself for a progress bar. */
    enum Phase {
        TOKENIZER("reading tokenizer"),
        WEIGHTS("generating weights"),
        WRITING("writing F32 GGUF"),
        QUANTIZING("quantizing"),
        DONE("done");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param phase    the step under way
     * @param fraction overall completion in [0, 1], never decreasing; writing and quantizing are single native
     *                 calls, so the fraction jumps across them
     */
    void onProgress(Phase phase, double fraction);
}
