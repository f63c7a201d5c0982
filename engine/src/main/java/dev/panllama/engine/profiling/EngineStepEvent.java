package dev.panllama.engine.profiling;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** One engine step in a JFR recording, beside the JVM's own events, so both line up in one timeline. */
@Name("dev.panllama.EngineStep")
@Label("Engine Step")
@Category({"panllama", "Engine"})
@Description("One continuous-batching step of the engine core")
final class EngineStepEvent extends Event {
    @Label("Step")
    long step;

    @Label("Prefill Requests")
    int prefillRequests;

    @Label("Prefill Tokens")
    int prefillTokens;

    @Label("Decode Requests")
    int decodeRequests;

    @Label("Running")
    int running;

    @Label("Waiting")
    int waiting;

    @Label("KV Cells Used")
    int kvUsedTokens;

    @Label("Decode Time")
    @Timespan(Timespan.NANOSECONDS)
    long decodeNanos;

    @Label("Sample Time")
    @Timespan(Timespan.NANOSECONDS)
    long sampleNanos;

    @Label("Step Time")
    @Timespan(Timespan.NANOSECONDS)
    long stepNanos;
}
