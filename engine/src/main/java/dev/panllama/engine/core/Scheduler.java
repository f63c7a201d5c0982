package dev.panllama.engine.core;

import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.SchedulingPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Decides what each step computes. Running requests come first (one decode token each, or the next chunk of
 * their prompt), then waiting requests are admitted while sequence slots, the step's token budget and KV
 * cells allow. A long prompt is split into chunks that fit the budget, so it never stalls running decodes.
 * When the KV cache is short, running requests are preempted (freed, recomputed later), never dropped.
 *
 * <p>LoRA: llama.cpp applies one adapter set to a whole decode, so requests are bucketed by adapter set and
 * each step serves one bucket. A bucket keeps its turn for up to {@link #STEPS_PER_TURN} steps, then the bucket
 * served least recently goes next, so every bucket runs again within (buckets - 1) × STEPS_PER_TURN steps. A
 * waiting request whose adapter would make running requests use more than {@code maxLoras} distinct adapters
 * waits until one of them finishes. Without adapters there is one bucket and nothing changes.
 */
final class Scheduler {
    private final SchedulingPolicy policy;
    private final int tokenBudget;
    private final KvCacheManager kv;
    private final PriorityQueue<EngineRequest> waiting;
    private final List<EngineRequest> running = new ArrayList<>();
    private final Map<String, EngineRequest> requests = new LinkedHashMap<>();
    private final Comparator<EngineRequest> order;
    private final int maxLoras;
    /** Step at which each adapter-set bucket was last served: the least recent goes next. */
    private final Map<Object, Long> lastServed = new HashMap<>();
    private long schedules;
    private long preemptions;
    /** Unfinished requests with an adapter set: while there are none, every step serves the one base bucket. */
    private int withAdapters;
    /** False while paused or asleep: nobody leaves the waiting queue. */
    private boolean admissionOpen = true;

    /**
     * Changing the adapter set makes llama.cpp re-plan its compute graph at the next decode, which costs more
     * than a small decode; turns of several steps spread that cost while keeping the wait of other buckets short.
     */
    static final int STEPS_PER_TURN = 4;

    private Object turn;
    private int turnSteps;

    /** The bucket key of requests without an adapter (map keys cannot be null here). */
    private static final Object BASE = new Object();

    Scheduler(SchedulingPolicy policy, int tokenBudget, KvCacheManager kv) {
        this(policy, tokenBudget, kv, 1);
    }

    Scheduler(SchedulingPolicy policy, int tokenBudget, KvCacheManager kv, int maxLoras) {
        this.maxLoras = maxLoras;
        this.policy = policy;
        this.tokenBudget = tokenBudget;
        this.kv = kv;
        Comparator<EngineRequest> order = Comparator.comparingLong(EngineRequest::arrivalSequence);
        if (policy == SchedulingPolicy.PRIORITY) {
            order = Comparator.comparingInt(EngineRequest::priority).thenComparing(order);
        }
        this.order = order;
        this.waiting = new PriorityQueue<>(order);
    }

    void add(EngineRequest request) {
        // cached KV computed under one adapter is no use to another: the adapter is part of every block's key
        LoraRequest lora = request.lora();
        String adapterKey = lora == null ? null : lora.name() + "#" + lora.id() + "@" + lora.scale() + ":" + lora.path();
        request.attachBlocks(kv.blocksFor(adapterKey, request.cacheSalt()));
        requests.put(request.id(), request);
        waiting.add(request);
        if (bucketOf(request) != BASE) {
            withAdapters++;
        }
    }

    EngineRequest get(String id) {
        return requests.get(id);
    }

    boolean hasUnfinished() {
        return !requests.isEmpty();
    }

    int waitingCount() {
        return waiting.size();
    }

    int runningCount() {
        return running.size();
    }

    long preemptions() {
        return preemptions;
    }

    void setAdmissionOpen(boolean open) {
        admissionOpen = open;
    }

    /** Every request not yet finished, waiting or running. */
    List<EngineRequest> unfinished() {
        return List.copyOf(requests.values());
    }

    List<EngineRequest> runningRequests() {
        return List.copyOf(running);
    }

    /** Removes a request wherever it is and frees its KV; returns false for unknown ids. */
    boolean remove(String id) {
        EngineRequest request = requests.remove(id);
        if (request == null) {
            return false;
        }
        if (!waiting.remove(request)) {
            running.remove(request);
        }
        forget(request);
        kv.release(request, false);
        return true;
    }

    /** Plans one step. An empty list means nothing can run now. */
    List<ScheduledChunk> schedule() {
        kv.compactSlots(running); // per-sequence streams decode a step in one pass only over consecutive slots
        List<ScheduledChunk> chunks = new ArrayList<>();
        int budget = tokenBudget; // tokenBudget - budget: the tokens the chunks so far need cells for
        Object bucket = chooseBucket();
        if (bucket == null) {
            return chunks;
        }
        lastServed.put(bucket, schedules++);
        // running requests keep their places: decodes first, so a newcomer's prompt never starves them
        for (EngineRequest request : List.copyOf(running)) {
            if (budget == 0) {
                break;
            }
            if (!running.contains(request) || !bucket.equals(bucketOf(request))) {
                continue; // preempted to make room for an earlier one
            }
            int count = Math.min(request.uncomputed(), budget);
            while (!kv.makeRoom(count + tokenBudget - budget)) {
                EngineRequest victim = preemptionVictim();
                preempt(victim);
                for (Iterator<ScheduledChunk> it = chunks.iterator(); it.hasNext(); ) {
                    ScheduledChunk c = it.next();
                    if (c.request() == victim) {
                        budget += c.count();
                        it.remove();
                    }
                }
                if (victim == request) {
                    count = 0;
                    break;
                }
            }
            if (count > 0) {
                chunks.add(new ScheduledChunk(request, request.computed(), count));
                budget -= count;
            }
        }
        while (admissionOpen && budget > 0 && kv.freeSlotCount() > 0 && !waiting.isEmpty()) {
            EngineRequest request = nextWaiting(bucket);
            if (request == null) {
                break;
            }
            if (siblingIsComputingPrompt(request)) {
                break; // it takes the sibling's prompt cells once they exist, keeping its place in the queue
            }
            if (kv.prefixBeingComputed(request, running)) {
                break; // the prefix it shares with a running request reaches the cache in a step or two
            }
            kv.allocate(request);
            if (!shareGroupPrefix(request)) {
                kv.shareCachedPrefix(request);
            }
            int count = Math.min(request.uncomputed(), budget);
            if (!kv.makeRoom(count + tokenBudget - budget)) {
                kv.release(request, true);
                break; // admission waits for cells instead of preempting someone already running
            }
            waiting.remove(request);
            kv.recordFirstAdmission(request);
            running.add(request);
            request.markScheduled(System.nanoTime());
            chunks.add(new ScheduledChunk(request, request.computed(), count));
            budget -= count;
        }
        return chunks;
    }

    private static Object bucketOf(EngineRequest request) {
        Object set = request.adapterSet();
        return set == null ? BASE : set;
    }

    /**
     * The bucket this step serves: the current one while its turn lasts and it can run; else, among the adapter
     * sets of running requests and of waiting requests that may start (their set already runs, they use no
     * adapter, or fewer than maxLoras adapters run), the one served least recently; sets never served yet go
     * first. Null when nothing can run.
     */
    private Object chooseBucket() {
        if (withAdapters == 0) {
            // one bucket: no need to look through every waiting request each step
            return running.isEmpty() && (waiting.isEmpty() || kv.freeSlotCount() == 0) ? null : BASE;
        }
        Set<Object> candidates = new LinkedHashSet<>();
        Set<Object> runningAdapters = new HashSet<>();
        for (EngineRequest request : running) {
            Object key = bucketOf(request);
            candidates.add(key);
            if (key != BASE) {
                runningAdapters.add(key);
            }
        }
        if (kv.freeSlotCount() > 0) {
            for (EngineRequest request : waiting) {
                Object key = bucketOf(request);
                if (admissible(key, runningAdapters)) {
                    candidates.add(key);
                }
            }
        }
        if (turn != null && turnSteps < STEPS_PER_TURN && candidates.contains(turn)) {
            turnSteps++;
            return turn;
        }
        Object best = null;
        long bestServed = Long.MAX_VALUE;
        for (Object key : candidates) {
            long served = lastServed.getOrDefault(key, -1L);
            if (served < bestServed) {
                best = key;
                bestServed = served;
            }
        }
        lastServed.keySet().retainAll(candidates);
        turn = best;
        turnSteps = 1;
        return best;
    }

    private boolean admissible(Object key, Set<Object> runningAdapters) {
        return key == BASE || runningAdapters.contains(key) || runningAdapters.size() < maxLoras;
    }

    /** The first waiting request, in queue order, of this bucket; the head itself in the common case. */
    private EngineRequest nextWaiting(Object bucket) {
        EngineRequest head = waiting.peek();
        if (head != null && bucket.equals(bucketOf(head))) {
            return head;
        }
        EngineRequest first = null;
        for (EngineRequest request : waiting) {
            if (bucket.equals(bucketOf(request)) && (first == null || order.compare(request, first) < 0)) {
                first = request;
            }
        }
        return first;
    }

    /**
     * Whether a request could take its prompt's cells from an n &gt; 1 sibling: a child yet to start, with a prompt
     * of more than its last token, in a cache whose sequences share cells.
     */
    private boolean mayTakeSiblingPrompt(EngineRequest request) {
        return request.promptGroup() != null && request.computed() <= 0 && request.promptLength() >= 2 && kv.sharesCells();
    }

    /**
     * Whether a child of an n > 1 request should wait because a running sibling (possibly admitted this very
     * step) is still computing the prompt they share; admitting it now would compute the same prompt twice.
     */
    private boolean siblingIsComputingPrompt(EngineRequest request) {
        if (!mayTakeSiblingPrompt(request)) {
            return false;
        }
        for (EngineRequest sibling : running) {
            if (request.promptGroup().equals(sibling.promptGroup()) && sibling.computed() < request.promptLength() - 1) {
                return true;
            }
        }
        return false;
    }

    /**
     * A child of an n > 1 request whose sibling already computed the shared prompt takes those cells
     * instead of recomputing them; it still computes the last prompt token itself to get its own logits.
     * That shares the partial last block too, which the prefix cache cannot, so it is tried first. A cache of
     * per-sequence streams cannot share cells: there each sibling computes the prompt itself.
     */
    private boolean shareGroupPrefix(EngineRequest request) {
        if (!mayTakeSiblingPrompt(request)) {
            return false;
        }
        int shared = request.promptLength() - 1;
        for (EngineRequest sibling : running) {
            if (request.promptGroup().equals(sibling.promptGroup()) && sibling.computed() >= shared
                    && Objects.equals(request.adapterSet(), sibling.adapterSet())) {
                kv.sharePrefix(sibling, request, shared);
                request.skipTo(shared, shared);
                return true;
            }
        }
        return false;
    }

    /** FCFS: the most recently admitted; PRIORITY: the largest (priority, arrival). */
    private EngineRequest preemptionVictim() {
        if (policy == SchedulingPolicy.PRIORITY) {
            return running.stream().max(Comparator.comparingInt(EngineRequest::priority)
                    .thenComparingLong(EngineRequest::arrivalSequence)).orElseThrow();
        }
        return running.getLast();
    }

    /** Frees a running request's KV and sends it back to the front of the queue to recompute later. */
    void preempt(EngineRequest request) {
        running.remove(request);
        kv.release(request, true);
        waiting.add(request);
        preemptions++;
    }

    /** Preempts one running request other than the step's first, after llama.cpp reported a full cache. */
    boolean preemptForSpace() {
        if (running.size() < 2) {
            return false;
        }
        preempt(preemptionVictim());
        return true;
    }

    /**
     * Preempts every running request, latest first, so they queue again in their original order and recompute
     * (vLLM's reset_prefix_cache with reset_running_requests).
     */
    void preemptAll() {
        for (EngineRequest request : List.copyOf(running).reversed()) {
            preempt(request);
        }
    }

    /** Moves a finished request out of the running set and frees its slot. */
    void finish(EngineRequest request) {
        running.remove(request);
        if (requests.remove(request.id()) != null) {
            forget(request);
        }
        kv.release(request, false);
    }

    private void forget(EngineRequest request) {
        if (bucketOf(request) != BASE) {
            withAdapters--;
        }
    }
}
