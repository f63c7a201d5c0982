package dev.panllama.engine.core;

/** Part of a request computed in one step: tokens [start, start + count) of its prompt-plus-output. */
record ScheduledChunk(EngineRequest request, int start, int count) {
    /** True when this chunk reaches the request's last known token, so the step samples its next one. */
    boolean samples() {
        return start + count == request.totalLength();
    }
}
