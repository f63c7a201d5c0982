package dev.panllama.engine;

import dev.panllama.engine.core.StepStats;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps every {@link StepStats} an engine publishes, so tests can tell which requests each step prefilled and
 * decoded. Requests are matched by external id: internal ids are {@code "{external}-{suffix}"}, and
 * {@code "{i}_{external}-{suffix}"} for the children of an n &gt; 1 request.
 */
final class StepRecorder implements Consumer<StepStats> {
    private final List<StepStats> steps = new ArrayList<>();

    static StepRecorder attachTo(AsyncLLM llm) {
        StepRecorder recorder = new StepRecorder();
        llm.addStepListener(recorder);
        return recorder;
    }

    @Override
    public synchronized void accept(StepStats stats) {
        steps.add(stats);
        notifyAll();
    }

    synchronized List<StepStats> steps() {
        return List.copyOf(steps);
    }

    synchronized void clear() {
        steps.clear();
    }

    /** Whether an internal id belongs to the request submitted as {@code externalId}. */
    static boolean belongsTo(String internalId, String externalId) {
        int at = internalId.indexOf('_');
        String parent = at >= 0 && internalId.substring(0, at).chars().allMatch(Character::isDigit)
                ? internalId.substring(at + 1) : internalId;
        return parent.startsWith(externalId + "-") && parent.indexOf('-', externalId.length() + 1) < 0;
    }

    static boolean prefills(StepStats step, String externalId) {
        return step.prefillRequests().stream().anyMatch(id -> belongsTo(id, externalId));
    }

    static boolean decodes(StepStats step, String externalId) {
        return step.decodeRequests().stream().anyMatch(id -> belongsTo(id, externalId));
    }

    /** The steps that computed anything for the request, in order. */
    synchronized List<StepStats> stepsOf(String externalId) {
        return steps.stream().filter(s -> prefills(s, externalId) || decodes(s, externalId)).toList();
    }

    /** Number of the first step that computed anything for the request; -1 if none did. */
    synchronized long firstStepOf(String externalId) {
        return steps.stream().filter(s -> prefills(s, externalId) || decodes(s, externalId))
                .mapToLong(StepStats::step).findFirst().orElse(-1);
    }

    /** Waits until the step numbered {@code step} (e.g. an {@code EngineSnapshot}'s step count) was recorded. */
    synchronized void awaitStep(long step) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (steps.isEmpty() || steps.getLast().step() < step) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("step " + step + " was not published in time");
            }
            wait(left);
        }
    }

    /** Waits until the request was decoded in at least {@code count} steps. */
    synchronized void awaitDecodes(String externalId, int count, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (steps.stream().filter(s -> decodes(s, externalId)).count() < count) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("request " + externalId + " was not decoded " + count + " times in time");
            }
            wait(left);
        }
    }

    /** Every internal id the steps mentioned that belongs to the request. */
    synchronized List<String> internalIdsOf(String externalId) {
        List<String> ids = new ArrayList<>();
        for (StepStats s : steps) {
            for (List<String> list : List.of(s.prefillRequests(), s.decodeRequests())) {
                for (String id : list) {
                    if (belongsTo(id, externalId) && !ids.contains(id)) {
                        ids.add(id);
                    }
                }
            }
        }
        return ids;
    }
}
