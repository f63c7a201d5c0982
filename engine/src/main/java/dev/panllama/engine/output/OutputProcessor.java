package dev.panllama.engine.output;

import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.core.EngineCoreOutput;
import dev.panllama.engine.core.StepOutputs;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.nativeapi.Vocab;
import dev.panllama.engine.metrics.FinishedRequestStats;
import dev.panllama.engine.metrics.SchedulerStats;
import dev.panllama.engine.metrics.StatLogger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output thread: turns each step's engine outputs into per-request {@code RequestOutput}s (detokenized,
 * stop strings applied, merged by output kind) and delivers them to the requests' mailboxes, so the engine
 * thread never spends time on text. It owns all request state on the caller side; aborts and registrations
 * from other threads take the same lock.
 */
public final class OutputProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(OutputProcessor.class);

    private final Vocab vocab;
    private final Consumer<Collection<String>> engineAbort;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final Map<String, RequestState> states = new HashMap<>();
    private final Map<String, Set<String>> byExternalId = new HashMap<>();
    private final List<Consumer<StepStats>> stepListeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile RuntimeException deadError;
    private volatile StatLogger statLogger = new StatLogger() { };

    /** @param engineAbort tells the engine to drop requests the output side finished (stop strings) */
    public OutputProcessor(Vocab vocab, Consumer<Collection<String>> engineAbort) {
        this.vocab = vocab;
        this.engineAbort = engineAbort;
        this.thread = Thread.ofPlatform().name("panllama-output").daemon(true).start(this::loop);
    }

    /** Where the engine sends {@link StepOutputs} and, if it dies, its {@link Throwable}. */
    public void enqueue(Object item) {
        inbox.add(item);
    }

    public void addStepListener(Consumer<StepStats> listener) {
        stepListeners.add(listener);
    }

    /** Receives per-step, per-token and per-request statistics on this thread. */
    public void setStatLogger(StatLogger logger) {
        this.statLogger = logger;
    }

    /**
     * Registers a request's completions before the engine sees them, so no output can arrive for unknown state.
     *
     * @param internalIds one per completion (n of them), in index order
     * @return the mailbox the caller reads
     */
    public synchronized RequestOutputCollector register(String externalId, String prompt, List<Integer> promptTokenIds,
                                                        SamplingParams params, List<String> internalIds, Instant arrival) {
        if (deadError != null) {
            throw deadError;
        }
        RequestOutputKind kind = params.outputKind();
        RequestGroup group = new RequestGroup(externalId, prompt, promptTokenIds, kind, internalIds.size());
        for (int i = 0; i < internalIds.size(); i++) {
            String id = internalIds.get(i);
            states.put(id, new RequestState(id, i, group, params, vocab, arrival));
            byExternalId.computeIfAbsent(externalId, k -> new LinkedHashSet<>()).add(id);
        }
        return group.collector;
    }

    /**
     * Finishes requests as aborted and delivers their final outputs (with whatever they produced).
     *
     * @param ids      external ids (every completion of every request with that id) or internal ids
     * @param internal whether {@code ids} are internal ids
     * @return the internal ids that were live, for the engine to drop
     */
    public synchronized List<String> abort(Collection<String> ids, boolean internal) {
        List<String> aborted = new ArrayList<>();
        for (String id : ids) {
            Collection<String> internalIds = internal ? List.of(id) : List.copyOf(byExternalId.getOrDefault(id, Set.of()));
            for (String internalId : internalIds) {
                RequestState state = states.get(internalId);
                if (state == null) {
                    continue;
                }
                state.abort();
                finish(state);
                aborted.add(internalId);
            }
        }
        return aborted;
    }

    /** Requests whose outputs are still being produced. */
    public synchronized int liveRequestCount() {
        return states.size();
    }

    private void loop() {
        try {
            while (true) {
                Object item = inbox.take();
                if (item instanceof Throwable cause) {
                    propagate(cause);
                    runLeftoverActions();
                    return;
                }
                if (item instanceof Runnable afterOutputs) {
                    afterOutputs.run(); // a control call completing once the outputs before it were delivered
                    continue;
                }
                StepOutputs step = (StepOutputs) item;
                // the queues first: a caller who sees a final output then also sees the gauges without it
                statLogger.recordStep(schedulerStats(step.stats()));
                long start = System.nanoTime();
                List<String> stopped = process(step.outputs());
                if (!step.outputs().isEmpty()) {
                    statLogger.recordDetokenization(step.stats().step(), start, System.nanoTime() - start);
                }
                if (!stopped.isEmpty()) {
                    engineAbort.accept(stopped);
                }
                for (Consumer<StepStats> listener : stepListeners) {
                    listener.accept(step.stats());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // a dead engine frees the model whose vocabulary the outputs before its death still need: that failure
            // is a consequence, and callers should see the engine's own cause, already queued behind those outputs
            Throwable engineDeath = queuedEngineDeath();
            if (engineDeath == null) {
                LOG.error("output processor failed", e);
            }
            propagate(engineDeath != null ? engineDeath : e);
            runLeftoverActions();
        }
    }

    private Throwable queuedEngineDeath() {
        for (Object item : inbox) {
            if (item instanceof Throwable cause) {
                return cause;
            }
        }
        return null;
    }

    private static SchedulerStats schedulerStats(StepStats s) {
        boolean isStep = !s.prefillRequests().isEmpty() || !s.decodeRequests().isEmpty();
        return new SchedulerStats(s.step(), isStep, s.running(), s.waiting(), s.kvUsedTokens(), s.kvCapacity(),
                s.preemptions(), s.prefillRequests(), s.prefillTokens(), s.decodeRequests(), s.prefixCacheQueries(),
                s.prefixCacheHits(), s.prefixCacheHitRate(), s.startNanos(), s.nanos(),
                s.decodeNanos(), s.sampleNanos());
    }

    /** Control calls the engine completed before it stopped must not wait for a thread that is gone. */
    private void runLeftoverActions() {
        for (Object item; (item = inbox.poll()) != null; ) {
            if (item instanceof Runnable action) {
                action.run();
            }
        }
    }

    private List<String> process(List<EngineCoreOutput> outputs) {
        List<String> stoppedByString = new ArrayList<>();
        for (EngineCoreOutput out : outputs) {
            if (apply(out)) {
                stoppedByString.add(out.requestId());
            }
        }
        return stoppedByString;
    }

    /**
     * Applies one request's output and delivers what it shows. The lock is taken per output, not per step, so a
     * registration or an abort waits for one request's text at most, never for a whole batch's.
     *
     * @return whether a stop string finished the request here
     */
    private synchronized boolean apply(EngineCoreOutput out) {
        RequestState state = states.get(out.requestId());
        if (state == null) {
            return false; // aborted while its step ran: the abort output was already delivered
        }
        int tokensBefore = state.tokenCount();
        Long lastTokenBefore = state.lastTokenAtNanos();
        boolean stoppedByString = state.apply(out, vocab);
        recordTokens(state, tokensBefore, lastTokenBefore);
        if (state.finished()) {
            finish(state);
        } else if (state.group.kind != RequestOutputKind.FINAL_ONLY) {
            state.group.update(state.completion(), false, state.metrics(), state.numCachedTokens());
        }
        return stoppedByString;
    }

    private void recordTokens(RequestState state, int tokensBefore, Long lastTokenBefore) {
        int added = state.tokenCount() - tokensBefore;
        if (added > 0) {
            statLogger.recordTokens(added, tokensBefore == 0 ? state.firstTokenLatency() : null,
                    lastTokenBefore == null ? null : Duration.ofNanos(state.lastTokenAtNanos() - lastTokenBefore));
        }
    }

    private void finish(RequestState state) {
        statLogger.recordFinished(new FinishedRequestStats(state.group.externalId, state.internalId,
                state.finishReason(), state.group.promptTokenIds.size(), state.tokenCount(), state.numCachedTokens(),
                state.metrics(), Instant.now(), state.params()));
        states.remove(state.internalId);
        Set<String> siblings = byExternalId.get(state.group.externalId);
        if (siblings != null) {
            siblings.remove(state.internalId);
            if (siblings.isEmpty()) {
                byExternalId.remove(state.group.externalId);
            }
        }
        state.group.update(state.completion(), true, state.metrics(), state.numCachedTokens());
    }

    /** The engine is gone: every live request's mailbox gets the error, and later registrations fail. */
    private synchronized void propagate(Throwable cause) {
        EngineDeadException dead = cause instanceof EngineDeadException e ? e
                : new EngineDeadException("EngineCore encountered an issue: " + cause, cause);
        deadError = dead;
        // a group is live while one of its completions is: failing each live completion's group reaches them all
        for (RequestState state : states.values()) {
            state.group.collector.fail(dead);
        }
        states.clear();
        byExternalId.clear();
    }

    public RuntimeException deadError() {
        return deadError;
    }

    /** Stops the thread (after the engine stopped); live requests get {@code cause}. */
    public void shutdown(RuntimeException cause) {
        inbox.add(cause);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
