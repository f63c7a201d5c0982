package dev.panllama.engine.output;

import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.Logprob;
import dev.panllama.engine.RequestMetrics;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.core.EngineCoreOutput;
import dev.panllama.engine.core.TokenLogprobs;
import dev.panllama.engine.nativeapi.Vocab;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One completion's progress on the output thread: its tokens, text (incrementally detokenized, stop strings
 * applied), logprobs, and what was already shown, so each output carries what its kind asks for.
 */
final class RequestState {
    final String internalId;
    final int index;
    final RequestGroup group;
    private final SamplingParams params;
    private final IncrementalDetokenizer detokenizer;
    private final List<Integer> tokens = new ArrayList<>();
    private final List<Map<Integer, Logprob>> logprobs;
    private Double cumulativeLogprob;
    private int shownTokens;
    private int shownText;
    private FinishReason finishReason;
    private Object stopReason;
    private int numCachedTokens;
    private final Instant arrival;
    private final long queuedAtNanos;
    private Long scheduledAtNanos;
    private Long firstTokenAtNanos;
    private Long lastTokenAtNanos;
    private Duration firstTokenLatency;

    RequestState(String internalId, int index, RequestGroup group, SamplingParams params, Vocab vocab, Instant arrival) {
        this.internalId = internalId;
        this.index = index;
        this.group = group;
        this.params = params;
        this.detokenizer = params.detokenize() ? new IncrementalDetokenizer(vocab, params) : null;
        this.logprobs = params.logprobs() != null ? new ArrayList<>() : null;
        this.cumulativeLogprob = params.logprobs() != null ? 0.0 : null;
        this.arrival = arrival;
        this.queuedAtNanos = System.nanoTime();
    }

    boolean finished() {
        return finishReason != null;
    }

    /**
     * Applies one engine output. Returns true when a stop string finished the request here, which the engine
     * does not know about yet (the caller aborts it there).
     */
    boolean apply(EngineCoreOutput out, Vocab vocab) {
        long now = System.nanoTime();
        if (scheduledAtNanos == null && out.scheduledAtNanos() != 0) {
            scheduledAtNanos = out.scheduledAtNanos();
        }
        // an abort made between steps carries no token: it must not count as one in the latencies
        if (firstTokenAtNanos == null && out.newTokens().length > 0) {
            firstTokenAtNanos = now;
            firstTokenLatency = Duration.between(arrival, Instant.now());
        }
        if (out.newTokens().length > 0) {
            lastTokenAtNanos = now;
        }
        numCachedTokens = out.numCachedTokens();
        if (out.promptLogprobs() != null) {
            group.setPromptLogprobs(toMaps(out.promptLogprobs()));
        }
        boolean stoppedHere = false;
        for (int i = 0; i < out.newTokens().length && !finished(); i++) {
            int token = out.newTokens()[i];
            tokens.add(token);
            if (logprobs != null && out.newLogprobs() != null) {
                TokenLogprobs lp = out.newLogprobs().get(i);
                logprobs.add(toMap(lp));
                cumulativeLogprob += lp.logprobs()[0];
            }
            boolean last = i == out.newTokens().length - 1;
            if (detokenizer != null) {
                // a stop token or EOS stays in token_ids; its text shows only when asked for
                boolean omit = last && out.finishReason() == FinishReason.STOP && !params.includeStopStrInOutput();
                String stop = detokenizer.append(token, omit);
                if (stop != null) {
                    finishReason = FinishReason.STOP;
                    stopReason = stop;
                    stoppedHere = true;
                }
            }
        }
        if (!finished() && out.finishReason() != null) {
            finishReason = out.finishReason();
            stopReason = out.stopReason();
        }
        if (finished() && detokenizer != null) {
            detokenizer.flush();
        }
        return stoppedHere;
    }

    /** Ends the completion as aborted, keeping what it produced so far. */
    void abort() {
        if (!finished()) {
            finishReason = FinishReason.ABORT;
            stopReason = null;
            if (detokenizer != null) {
                detokenizer.flush();
            }
        }
    }

    /** What this completion shows now for its kind: everything (CUMULATIVE, FINAL_ONLY) or the news (DELTA). */
    CompletionOutput completion() {
        int stable = detokenizer == null ? 0 : detokenizer.stableLength(finished());
        if (group.kind == RequestOutputKind.DELTA) {
            String newText = detokenizer == null ? "" : detokenizer.text(Math.min(shownText, stable), stable);
            List<Integer> newTokens = List.copyOf(tokens.subList(shownTokens, tokens.size()));
            List<Map<Integer, Logprob>> newLogprobs = logprobs == null ? null
                    : List.copyOf(logprobs.subList(shownTokens, logprobs.size()));
            shownText = Math.max(shownText, stable);
            shownTokens = tokens.size();
            return new CompletionOutput(index, newText, newTokens, cumulativeLogprob, newLogprobs, finishReason, stopReason);
        }
        return new CompletionOutput(index, detokenizer == null ? "" : detokenizer.text(0, stable), List.copyOf(tokens),
                cumulativeLogprob, logprobs == null ? null : List.copyOf(logprobs), finishReason, stopReason);
    }

    RequestMetrics metrics() {
        return new RequestMetrics(arrival, queuedAtNanos, scheduledAtNanos, firstTokenAtNanos, lastTokenAtNanos,
                firstTokenLatency, tokens.size());
    }

    /** When its latest token arrived ({@code System.nanoTime()}); null before the first. */
    Long lastTokenAtNanos() {
        return lastTokenAtNanos;
    }

    Duration firstTokenLatency() {
        return firstTokenLatency;
    }

    SamplingParams params() {
        return params;
    }

    FinishReason finishReason() {
        return finishReason;
    }

    int tokenCount() {
        return tokens.size();
    }

    int numCachedTokens() {
        return numCachedTokens;
    }

    private Map<Integer, Logprob> toMap(TokenLogprobs lp) {
        Map<Integer, Logprob> map = new LinkedHashMap<>();
        for (int j = 0; j < lp.tokens().length; j++) {
            int id = lp.tokens()[j];
            if (!map.containsKey(id)) {
                String decoded = detokenizer == null ? null : detokenizer.pieceOf(id);
                map.put(id, new Logprob(lp.logprobs()[j], lp.ranks()[j], decoded));
            }
        }
        return map;
    }

    private List<Map<Integer, Logprob>> toMaps(List<TokenLogprobs> all) {
        List<Map<Integer, Logprob>> maps = new ArrayList<>(all.size());
        for (TokenLogprobs lp : all) {
            maps.add(lp == null ? null : toMap(lp));
        }
        return maps;
    }
}
