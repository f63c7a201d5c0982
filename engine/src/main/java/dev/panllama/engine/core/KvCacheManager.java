package dev.panllama.engine.core;

import dev.panllama.engine.nativeapi.Context;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Sequence slots and KV cells of one context. A request holds a slot (its llama.cpp sequence id) from its
 * first scheduled step until it finishes or is preempted; its cells are counted so the scheduler can
 * preempt before llama.cpp runs out (a full cache still surfaces as a failed decode, handled the same way).
 */
final class KvCacheManager {
    private Context context;
    private final int capacity;
    private final Deque<Integer> freeSlots = new ArrayDeque<>();
    private final int slotCount;
    private int usedTokens;

    KvCacheManager(Context context, int slots) {
        this.context = context;
        this.capacity = context.contextLength();
        this.slotCount = slots;
        for (int s = 0; s < slots; s++) {
            freeSlots.add(s);
        }
    }

    /** Sleep mode made a new context of the same size: the cells are all free again. */
    void rebind(Context fresh) {
        if (fresh.contextLength() != capacity || usedTokens != 0 || slotsInUse() != 0) {
            throw new IllegalStateException("cannot move the KV bookkeeping to a new context: " + usedTokens
                    + " cells and " + slotsInUse() + " slots still in use, capacity " + capacity + " vs " + fresh.contextLength());
        }
        this.context = fresh;
    }

    int capacity() {
        return capacity;
    }

    int freeTokens() {
        return capacity - usedTokens;
    }

    int usedTokens() {
        return usedTokens;
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

    double usage() {
        return capacity == 0 ? 0 : usedTokens / (double) capacity;
    }

    void allocate(EngineRequest request) {
        Integer slot = freeSlots.poll();
        if (slot == null) {
            throw new IllegalStateException("no free sequence slot for " + request.id());
        }
        request.assignSlot(slot);
    }

    /** Records tokens that a successful decode wrote into the cache. */
    void commit(int tokens) {
        usedTokens += tokens;
    }

    /** Shares a running request's first {@code tokens} cells with another (no copy in a unified cache). */
    void sharePrefix(EngineRequest from, EngineRequest to, int tokens) {
        context.copySequence(from.slot(), to.slot(), 0, tokens);
    }

    /** Frees a request's cells and slot; its progress is kept unless {@code resetProgress}. */
    void release(EngineRequest request, boolean resetProgress) {
        if (request.slot() < 0) {
            return;
        }
        context.removeSequence(request.slot(), -1, -1);
        usedTokens -= request.computed() - request.cachedTokens();
        freeSlots.add(request.slot());
        if (resetProgress) {
            request.resetProgress();
        } else {
            request.assignSlot(-1);
        }
    }
}
