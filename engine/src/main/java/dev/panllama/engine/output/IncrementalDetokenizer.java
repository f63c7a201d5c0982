package dev.panllama.engine.output;

import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.nativeapi.Utf8Accumulator;
import dev.panllama.engine.nativeapi.Vocab;
import java.util.List;

/**
 * Text of a request's output as tokens arrive: UTF-8 safe (a character split across tokens appears whole),
 * with stop strings found across token boundaries. Stop-string matching only scans the region the newest
 * piece could complete, so the cost per token does not grow with the text.
 */
final class IncrementalDetokenizer {
    private final Vocab vocab;
    private final boolean renderSpecial;
    private final List<String> stops;
    private final int longestStop;
    private final boolean includeStop;
    private final Utf8Accumulator utf8 = new Utf8Accumulator();
    private final StringBuilder text = new StringBuilder();
    private String matchedStop;

    IncrementalDetokenizer(Vocab vocab, SamplingParams params) {
        this.vocab = vocab;
        this.renderSpecial = !params.skipSpecialTokens();
        this.stops = params.stop();
        this.longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
        this.includeStop = params.includeStopStrInOutput();
    }

    /** The text one token adds on its own (for logprob entries); may be partial UTF-8 rendered lossily. */
    String pieceOf(int token) {
        return new String(vocab.tokenToPiece(token, renderSpecial), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Appends a token's text; returns the stop string it completed, or null. After a match the text ends at
     * the stop string (or just after it when it is to be included) and later calls add nothing.
     */
    String append(int token, boolean omitText) {
        if (matchedStop != null) {
            return matchedStop;
        }
        byte[] piece = vocab.tokenToPiece(token, renderSpecial);
        int before = text.length();
        if (!omitText) {
            text.append(utf8.append(piece));
        }
        if (longestStop == 0 || text.length() == before) {
            return null;
        }
        int from = Math.max(0, before - longestStop + 1);
        int best = -1;
        String found = null;
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
                found = stop;
            }
        }
        if (found != null) {
            text.setLength(includeStop ? best + found.length() : best);
            matchedStop = found;
        }
        return found;
    }

    /** Emits bytes still waiting for the rest of a character (end of output). */
    void flush() {
        if (matchedStop == null) {
            text.append(utf8.flush());
        }
    }

    /** Characters {@code [from, to)} of the text, copied alone (never the whole text for a delta). */
    String text(int from, int to) {
        return text.substring(from, to);
    }

    /**
     * How much of the text may be shown while still running (at most all of it): a possible stop string at the end
     * is held back so a consumer never sees text that a later token turns into a stop.
     */
    int stableLength(boolean finished) {
        if (finished || longestStop == 0 || includeStop) {
            return text.length();
        }
        return Math.max(0, text.length() - (longestStop - 1));
    }
}
