package dev.panllama.engine.profiling;

import java.nio.file.Path;

/**
 * The files one profile produced.
 *
 * @param jfrRecording a Java Flight Recorder file (JDK Mission Control, {@code jfr print}); it holds
 *                     {@code dev.panllama.EngineStep} events beside the JVM's own
 * @param chromeTrace  Chrome trace-event JSON of the engine's steps (chrome://tracing, Perfetto)
 * @param steps        engine steps recorded
 */
public record ProfileResult(Path jfrRecording, Path chromeTrace, int steps) {}
