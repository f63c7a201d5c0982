package dev.panllama.engine.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Deterministic, varied English text for embedding tests and benchmarks: real phrases plus sentences built from
 * templates (questions, numbers, punctuation, accents, long and short), the same list for the same count.
 */
public final class SentenceCorpus {
    private static final List<String> PHRASES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "To be, or not to be, that is the question.",
            "A journey of a thousand miles begins with a single step.",
            "All that glitters is not gold.",
            "The early bird catches the worm, but the second mouse gets the cheese.",
            "Where there's smoke, there's fire.",
            "Actions speak louder than words.",
            "I think, therefore I am.",
            "Knowledge is power.",
            "Rome wasn't built in a day.",
            "Café au lait, crème brûlée and a croissant, s'il vous plaît!",
            "Déjà vu: the naïve résumé of a coöperative façade.",
            "Version 2.3.1 fixed 17 bugs and added 4 features (see CHANGELOG.md).",
            "Call me at 555-0199 before 10:30 a.m. on 2024-03-15.",
            "E = mc^2 is probably the most famous equation in physics.",
            "HTTP 404: the requested URL /index.html was not found on this server.",
            "Wait... what?! You did WHAT with the server?",
            "Supercalifragilisticexpialidocious is an unusually long word.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The mitochondria is the powerhouse of the cell.");
    private static final List<String> SUBJECTS = List.of("The cat", "My neighbour", "A young engineer", "The committee",
            "Our database server", "The orchestra", "A tired student", "The old lighthouse keeper", "The startup",
            "Every satellite", "The river", "A hungry toddler", "The referee", "The museum curator", "Her grandmother");
    private static final List<String> VERBS = List.of("repaired", "painted", "ignored", "celebrated", "measured",
            "sold", "described", "photographed", "rebuilt", "questioned", "cooked", "translated", "deployed", "watched");
    private static final List<String> OBJECTS = List.of("the broken bicycle", "a quarterly report", "the northern bridge",
            "three enormous pumpkins", "the legacy payment system", "a symphony by Dvořák", "the final exam",
            "an abandoned train station", "the new mobile app", "a flock of migrating geese", "the flooded basement",
            "a bowl of spicy ramen", "the penalty decision", "a medieval tapestry", "her famous apple pie");
    private static final List<String> TAILS = List.of("yesterday.", "before sunrise.", "in record time!",
            "without telling anyone.", "for the third time this week.", "while it was raining heavily.",
            "after a long and surprisingly heated debate about costs, safety and the environment.",
            "?", "because the deadline was tomorrow.", "with remarkable patience and care.", "again.");
    private static final List<String> QUESTIONS = List.of("How do I reset my password?",
            "What is the capital of Australia?", "Why is the sky blue during the day?",
            "Which programming language should I learn first?", "Can dogs eat chocolate safely?",
            "When does the next train to Berlin leave?", "Is it going to snow this weekend?",
            "How many calories are in a banana?");

    private SentenceCorpus() {}

    /** {@code count} distinct sentences; the same count always gives the same list. */
    public static List<String> sentences(int count) {
        Random random = new Random(20240601L);
        Set<String> out = new LinkedHashSet<>(PHRASES);
        out.addAll(QUESTIONS);
        while (out.size() < count) {
            String s = pick(random, SUBJECTS) + " " + pick(random, VERBS) + " " + pick(random, OBJECTS) + " " + pick(random, TAILS);
            if (random.nextInt(5) == 0) {
                s = s + " " + pick(random, PHRASES);
            }
            out.add(s.replace(" ?", "?"));
        }
        return new ArrayList<>(out).subList(0, count);
    }

    private static String pick(Random random, List<String> from) {
        return from.get(random.nextInt(from.size()));
    }
}
