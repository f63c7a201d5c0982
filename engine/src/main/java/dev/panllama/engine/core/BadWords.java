package dev.panllama.engine.core;

import dev.panllama.engine.nativeapi.Vocab;
import java.util.ArrayList;
import java.util.List;

/** vLLM's bad_words: each word is banned as tokenized both bare and after a space. */
final class BadWords {
    private BadWords() {}

    static List<int[]> tokenize(List<String> words, Vocab vocab) {
        List<int[]> sequences = new ArrayList<>();
        if (words == null) {
            return sequences;
        }
        for (String word : words) {
            for (String form : new String[] {word, " " + word.stripLeading()}) {
                int[] tokens = vocab.tokenize(form, false, false);
                if (tokens.length > 0 && sequences.stream().noneMatch(s -> java.util.Arrays.equals(s, tokens))) {
                    sequences.add(tokens);
                }
            }
        }
        return sequences;
    }
}
