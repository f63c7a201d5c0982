package dev.panllama.benchmarks;

import dev.panllama.engine.RequestMetrics;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestStream;
import java.util.ArrayList;
import java.util.List;

/**
 * When a stream's tokens were produced: one (tokens so far, engine timestamp) point per output it delivered. Outputs
 * that a slow reader had merged give fewer points, never wrong ones; the first token's time always comes from the
 * metrics, so every stream has at least two points.
 */
record TokenTimeline(long[] tokens, long[] nanos) {

    static TokenTimeline read(RequestStream stream) {
        List<long[]> points = new ArrayList<>();
        while (stream.hasNext()) {
            RequestOutput out = stream.next();
            RequestMetrics m = out.metrics();
            if (m == null || m.lastTokenAtNanos() == null || m.numGenerationTokens() == 0) {
                continue;
            }
            if (points.isEmpty() && m.numGenerationTokens() > 1 && m.firstTokenAtNanos() != null) {
                // the reader fell behind and got the first tokens merged: the metrics still say when the first came
                points.add(new long[] {1, m.firstTokenAtNanos()});
            }
            points.add(new long[] {m.numGenerationTokens(), m.lastTokenAtNanos()});
        }
        long[] tokens = points.stream().mapToLong(p -> p[0]).toArray();
        long[] nanos = points.stream().mapToLong(p -> p[1]).toArray();
        if (tokens.length < 2) {
            throw new IllegalStateException("stream " + stream.requestId() + " delivered fewer than two timed outputs");
        }
        return new TokenTimeline(tokens, nanos);
    }

    long first() {
        return nanos[0];
    }

    long last() {
        return nanos[nanos.length - 1];
    }

    /**
     * Sum of every stream's rate inside the window where all of them decode. Each stream's rate is taken between
     * its own first and last points inside the window, so no token is split between two streams' clocks.
     */
    static double aggregateRate(List<TokenTimeline> timelines) {
        long start = timelines.stream().mapToLong(TokenTimeline::first).max().orElseThrow();
        long end = timelines.stream().mapToLong(TokenTimeline::last).min().orElseThrow();
        double total = 0;
        for (TokenTimeline t : timelines) {
            total += t.rateWithin(start, end);
        }
        return total;
    }

    /** Tokens/s between the first and last points in [start, end]; the whole stream when the window holds < 2 points. */
    double rateWithin(long start, long end) {
        int from = -1;
        int to = -1;
        for (int i = 0; i < nanos.length; i++) {
            if (nanos[i] - start >= 0 && end - nanos[i] >= 0) {
                from = from < 0 ? i : from;
                to = i;
            }
        }
        if (from < 0 || to - from < 1 || nanos[to] == nanos[from]) {
            from = 0;
            to = nanos.length - 1;
        }
        return (tokens[to] - tokens[from]) * 1e9 / (nanos[to] - nanos[from]);
    }
}
