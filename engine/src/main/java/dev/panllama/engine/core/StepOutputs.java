package dev.panllama.engine.core;

import java.util.List;

/** Everything one step sends to the output processor. */
public record StepOutputs(List<EngineCoreOutput> outputs, StepStats stats) {}
