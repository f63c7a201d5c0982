package dev.panllama.engine.core;

import dev.panllama.engine.nativeapi.Context;
import java.util.Collection;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Sequence slots and KV cells of one context. A request holds a slot (its llama.cpp sequence id) from its
 * first scheduled step until it finishes or is preempted. Cells are counted so the scheduler can make room
 * before llama.cpp runs out (a full cache still surfaces as a failed decode, handled the same way): a
 * request's own cells, plus the cells of cached prefix blocks. Cached blocks no request holds are free for
 * the taking: {@link #makeRoom} evicts them before anyone is preempted.
 */
final class KvCacheManager {
    private Context context;
    private final int capacity;
    /**
     * Lowest first, so a steady load keeps using the same few slots: per-sequence state that llama.cpp keeps for a
     * slot (a sampler picking tokens in the graph) then stays with the slots in use instead of spreading to all.
     */
    private final PriorityQueue<Integer> freeSlots = new PriorityQueue<>();
    private final int slotCount;
    /** The sequence id holding the cache's last cell to pin the attention view, or -1 when the view is not pinned. */
    private final int pinnedSeq;
    /** Null when prefix caching is off or the model's memory cannot share cells. */
    private final PrefixCache prefixCache;
    /** Cells owned by requests alone (not counting cached blocks they hold). */
    private int requestCells;
    private int stepQueries;
    private int stepHits;

    KvCacheManager(Context context, int slots, int prefixBlockSize) {
        this(context, slots, prefixBlockSize, false);
    }

    /**
     * @param pinView hold the cache's last cell with the last memory sequence id so the attention view spans the
     *                whole cache and a steady decode keeps one graph ({@link Context#pinView}); that cell and id are
     *                then no request's or cached prefix's
     */
    KvCacheManager(Context context, int slots, int prefixBlockSize, boolean pinView) {
        this.context = context;
        this.pinnedSeq = pinView ? context.memorySequences() - 1 : -1;
        this.capacity = context.contextLength() - (pinView ? 1 : 0);
        this.slotCount = slots;
        for (int s = 0; s < slots; s++) {
            freeSlots.add(s);
        }
        this.prefixCache = prefixBlockSize > 0
                ? new PrefixCache(context, prefixBlockSize, slots, pinView ? pinnedSeq : context.memorySequences()) : null;
        pinView();
    }

    /** Re-pins the attention view after the cache was emptied (a no-op without pinning). */
    private void pinView() {
        if (pinnedSeq >= 0) {
            context.pinView(0, pinnedSeq);
        }
    }

    /** Empties the KV cache (every request preempted and the prefix cache reset first) and pins its view again. */
    void clearMemory() {
        if (pinnedSeq >= 0) {
            pinView(); // empties the cache itself before it holds the last cell again
        } else {
            context.clearMemory();
        }
    }

    /** Sleep mode made a new context of the same size: the cells are all free again, the prefix cache empty. */
    void rebind(Context fresh) {
        int cached = prefixCache == null ? 0 : prefixCache.cachedCells();
        if (fresh.contextLength() != context.contextLength() || requestCells != 0 || cached != 0 || slotsInUse() != 0) {
            throw new IllegalStateException("cannot move the KV bookkeeping to a new context: " + requestCells
                    + " request cells, " + cached + " cached cells and " + slotsInUse() + " slots still in use, context length "
                    + context.contextLength() + " vs " + fresh.contextLength());
        }
        this.context = fresh;
        if (prefixCache != null) {
            prefixCache.rebind(fresh);
        }
        pinView();
    }

    int capacity() {
        return capacity;
    }

    /** Cells neither a request nor the cache holds. */
    int freeTokens() {
        return capacity - requestCells - (prefixCache == null ? 0 : prefixCache.cachedCells());
    }

    /** Cells in use by requests, counting the cached blocks they hold; unheld cached blocks count as free. */
    int usedTokens() {
        return capacity - freeTokens() - (prefixCache == null ? 0 : prefixCache.reclaimableCells());
    }

    int slotCount() {
        return slotCount;
    }

    int slotsInUse() {
        return slotCount - freeSlots.size();
    }

    int freeSlotCount() {
        return freeSlots.size();
    }

    boolean cachesPrefixes() {
        return prefixCache != null;
    }

    PrefixCacheStats prefixCacheStats() {
        return prefixCache == null ? PrefixCacheStats.DISABLED : prefixCache.stats();
    }

    /** Per-request block state, or null when caching is off. */
    RequestBlocks blocksFor(String adapterKey, String cacheSalt) {
        return prefixCache == null ? null : new RequestBlocks(new BlockHashChain(prefixCache.blockSize(), adapterKey, cacheSalt));
    }

    void allocate(EngineRequest request) {
        Integer slot = freeSlots.poll();
        if (slot == null) {
            throw new IllegalStateException("no free sequence slot for " + request.id());
        }
        request.assignSlot(slot);
    }

    /**
     * Unless the request must compute its prompt itself (prompt logprobs), shares the longest cached prefix of
     * its tokens into its sequence; it then starts after them. The last known token is always left to compute,
     * as its logits pick the next one.
     */
    void shareCachedPrefix(EngineRequest request) {
        int slot = request.slot();
        RequestBlocks blocks = request.blocks();
        if (prefixCache == null || blocks == null) {
            return;
        }
        int maxBlocks = (request.totalLength() - 1) / prefixCache.blockSize();
        List<PrefixCache.Block> hit = readsCache(request) ? prefixCache.match(request, blocks.chain, maxBlocks) : List.of();
        if (!hit.isEmpty()) {
            prefixCache.acquire(hit, slot);
            blocks.held.addAll(hit);
            blocks.offered = hit.size();
            int tokens = hit.size() * prefixCache.blockSize();
            request.skipTo(tokens, Math.min(tokens, request.promptLength()));
        }
    }

    /**
     * True when a running request is computing, right now, the first block this waiting request would miss in the
     * cache: waiting one or two steps for it to land in the cache beats computing the same prefix twice (a burst of
     * requests sharing a system prompt would otherwise all compute it in the first step).
     */
    boolean prefixBeingComputed(EngineRequest waiting, List<EngineRequest> running) {
        RequestBlocks blocks = waiting.blocks();
        if (prefixCache == null || blocks == null || waiting.computed() > 0 || !readsCache(waiting)) {
            return false;
        }
        int size = prefixCache.blockSize();
        int wanted = (waiting.totalLength() - 1) / size;
        int missing = prefixCache.match(waiting, blocks.chain, wanted).size();
        if (missing >= wanted) {
            return false;
        }
        long hash = blocks.chain.hash(missing, waiting);
        int end = (missing + 1) * size;
        for (EngineRequest other : running) {
            RequestBlocks theirs = other.blocks();
            if (theirs != null && !theirs.stopped && other.totalLength() >= end && other.computed() < end
                    && theirs.chain.hash(missing, other) == hash) {
                return true;
            }
        }
        return false;
    }

    /** Requests that want logprobs of their prompt compute all of it (they may still fill the cache). */
    private static boolean readsCache(EngineRequest request) {
        return request.params().promptLogprobs() == null;
    }

    /** Counts a request's lookup in the hit statistics, once, when it is first scheduled. */
    void recordFirstAdmission(EngineRequest request) {
        if (prefixCache == null || request.wasScheduled() || !readsCache(request)) {
            return;
        }
        prefixCache.record(request.promptLength(), request.cachedTokens());
        stepQueries += request.promptLength();
        stepHits += request.cachedTokens();
    }

    /**
     * Shares a running request's first {@code tokens} cells with a newly admitted sibling of an n > 1 request.
     * Those cells stay the sibling's to count and to offer to the prefix cache.
     */
    void sharePrefix(EngineRequest from, EngineRequest to, int tokens) {
        context.copySequence(from.slot(), to.slot(), 0, tokens);
        if (to.blocks() != null) {
            to.blocks().offered = tokens / prefixCache.blockSize();
        }
    }

    /** Whether sequences can share cells (one unified cache); per-sequence streams cannot. */
    boolean sharesCells() {
        return context.unifiedKv();
    }

    /** True when {@code tokens} more cells fit, after evicting unheld cached blocks if needed. */
    boolean makeRoom(int tokens) {
        int missing = tokens - freeTokens();
        if (missing > 0 && prefixCache != null) {
            prefixCache.evict(missing);
        }
        return tokens <= freeTokens();
    }

    /** Evicts every cached block no request holds; returns the cells freed. */
    int evictReclaimable() {
        return prefixCache == null ? 0 : prefixCache.evict(Integer.MAX_VALUE);
    }

    /**
     * Records cells a successful decode wrote for {@code request}, then offers each block it has now completed
     * to the prefix cache, so requests arriving later (even in the next step) can share them.
     */
    void commit(EngineRequest request, int tokens) {
        requestCells += tokens;
        request.addOwnCells(tokens);
        RequestBlocks blocks = request.blocks();
        if (prefixCache == null || blocks == null) {
            return;
        }
        int size = prefixCache.blockSize();
        while (!blocks.stopped && (blocks.offered + 1) * size <= request.computed()) {
            int index = blocks.offered;
            long hash = blocks.chain.hash(index, request);
            if (prefixCache.contains(hash, index)) {
                blocks.offered++; // someone else cached the same block first; this request keeps its own copy
                continue;
            }
            PrefixCache.Block parent = index == 0 ? null : prefixCache.lookup(blocks.chain.hash(index - 1, request));
            if (index > 0 && parent == null) {
                blocks.stopped = true; // the parent was evicted: a child without it could never be matched
                break;
            }
            PrefixCache.Block block = prefixCache.insert(hash, parent, index, request.slot(), blocks.anchor);
            if (block == null) {
                blocks.stopped = true; // every anchor sequence is taken
                break;
            }
            blocks.anchor = block.anchor;
            blocks.held.add(block);
            blocks.offered++;
            requestCells -= size;
            request.addOwnCells(-size);
        }
    }

    /**
     * Per-sequence streams: moves the requests in the highest slots down into free lower ones until the slots in use
     * are 0..n-1. llama.cpp puts only consecutive sequence ids into one micro-batch of per-sequence streams, so a free
     * slot below a running request would split every decode step into one pass over the weights per run of slots. A
     * move copies the request's whole stream (llama.cpp copies the buffer at the next decode) and frees the old one.
     * A unified cache has no order to keep: nothing moves.
     *
     * @return how many requests moved
     */
    int compactSlots(Collection<EngineRequest> running) {
        if (sharesCells()) {
            return 0;
        }
        int moves = 0;
        while (!freeSlots.isEmpty()) {
            EngineRequest top = null;
            for (EngineRequest r : running) {
                if (r.slot() >= 0 && (top == null || r.slot() > top.slot())) {
                    top = r;
                }
            }
            if (top == null || freeSlots.peek() > top.slot()) {
                return moves;
            }
            int to = freeSlots.poll();
            int from = top.slot();
            context.copySequence(from, to, -1, -1);
            context.removeSequence(from, -1, -1);
            freeSlots.add(from);
            top.assignSlot(to);
            moves++;
        }
        return moves;
    }

    /** Frees a request's cells and slot; its progress is kept unless {@code resetProgress}. */
    void release(EngineRequest request, boolean resetProgress) {
        if (request.slot() < 0) {
            return;
        }
        context.removeSequence(request.slot(), -1, -1);
        requestCells -= request.ownCells();
        request.addOwnCells(-request.ownCells());
        RequestBlocks blocks = request.blocks();
        if (blocks != null) {
            prefixCache.release(blocks.held);
            blocks.clear();
            // a cache that earns no hits keeps at most a quarter of the KV idle: idle cells widen every decode
            prefixCache.trimWhileMissing(capacity / 4);
        }
        freeSlots.add(request.slot());
        if (resetProgress) {
            request.resetProgress();
        } else {
            request.assignSlot(-1);
        }
    }

    /** Empties the prefix cache; refused (false) while any request holds KV cells, as vLLM refuses while blocks are in use. */
    boolean resetPrefixCache() {
        if (slotsInUse() > 0) {
            return false;
        }
        return prefixCache == null || prefixCache.reset();
    }

    /** Prompt tokens looked up and found in the cache since the last call (one step's worth). */
    int[] takeStepLookups() {
        int[] counts = {stepQueries, stepHits};
        stepQueries = 0;
        stepHits = 0;
        return counts;
    }
}
