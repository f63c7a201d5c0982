package dev.panllama.engine.core;

import dev.panllama.engine.nativeapi.Context;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Automatic prefix caching over full token blocks, shared by every request of one context without copying KV.
 *
 * <p>A cached block is {@code blockSize} KV cells at positions {@code [index·size, (index+1)·size)} that an
 * <em>anchor</em> sequence keeps alive. Anchors are sequence ids past the ones requests decode with: in a unified
 * KV cache {@code llama_memory_seq_cp} only adds a sequence tag to existing cells, so caching a request's block
 * tags its cells with an anchor, and a later request with the same block hashes tags the anchor's cells with its
 * own sequence and prefills only the rest. Cells are freed when no sequence tags them any more.
 *
 * <p>Blocks form a tree through their parents (a hash chains its parent's). Only leaves that no request holds
 * are evicted, least recently used first, so every cached block's prefix is cached too. Owned by the engine
 * thread.
 */
final class PrefixCache {
    /** Hit rate is reported over this many most recent requests, as vLLM's log line does. */
    static final int HIT_RATE_WINDOW = 1000;
    /** Requests looked up before a cache without hits is judged idle (see {@link #trimWhileMissing}). */
    static final int IDLE_JUDGEMENT_REQUESTS = 64;

    /** One cached block. */
    static final class Block {
        final long hash;
        final Block parent;
        final int index;
        final int anchor;
        final long id;
        int refCount;
        int children;
        long lastUsed;

        Block(long hash, Block parent, int index, int anchor, long id) {
            this.hash = hash;
            this.parent = parent;
            this.index = index;
            this.anchor = anchor;
            this.id = id;
        }
    }

    private Context context;
    private final int blockSize;
    private final Map<Long, Block> blocks = new HashMap<>();
    private final TreeSet<Block> evictable =
            new TreeSet<>(Comparator.comparingLong((Block b) -> b.lastUsed).thenComparingLong(b -> b.id));
    private final Deque<Integer> freeAnchors = new ArrayDeque<>();
    private final int firstAnchor;
    /** Cached blocks per anchor sequence id: an anchor returns to the pool when its last block goes. */
    private final int[] anchorBlocks;
    private final Deque<long[]> window = new ArrayDeque<>();
    private long windowQueries;
    private long windowHits;
    private long clock;
    private long ids;
    private int referencedBlocks;
    private long queries;
    private long hits;
    private long evictions;

    /** Anchors take the sequence ids in [{@code firstAnchor}, {@code anchorsEnd}). */
    PrefixCache(Context context, int blockSize, int firstAnchor, int anchorsEnd) {
        this.context = context;
        this.blockSize = blockSize;
        this.firstAnchor = firstAnchor;
        this.anchorBlocks = new int[anchorsEnd];
        for (int s = firstAnchor; s < anchorsEnd; s++) {
            freeAnchors.add(s);
        }
    }

    int blockSize() {
        return blockSize;
    }

    /** Moves an empty cache to a new context of the same model (sleep mode recreated it). */
    void rebind(Context fresh) {
        if (!blocks.isEmpty()) {
            throw new IllegalStateException("the prefix cache must be empty to move to a new context");
        }
        context = fresh;
    }

    /** The longest chain of cached blocks that starts {@code request}'s tokens, at most {@code maxBlocks} long. */
    List<Block> match(EngineRequest request, BlockHashChain chain, int maxBlocks) {
        List<Block> hit = new ArrayList<>();
        for (int i = 0; i < maxBlocks; i++) {
            Block block = blocks.get(chain.hash(i, request));
            if (block == null || block.index != i) {
                break;
            }
            hit.add(block);
        }
        return hit;
    }

    /** Takes a reference on each block (they can no longer be evicted) and tags their cells with {@code seq}. */
    void acquire(List<Block> hit, int seq) {
        long now = ++clock;
        int runStart = 0;
        for (int i = 0; i < hit.size(); i++) {
            reference(hit.get(i), now);
            boolean runEnds = i + 1 == hit.size() || hit.get(i + 1).anchor != hit.get(i).anchor;
            if (runEnds) {
                context.copySequence(hit.get(i).anchor, seq, runStart * blockSize, (i + 1) * blockSize);
                runStart = i + 1;
            }
        }
    }

    private void reference(Block block, long now) {
        if (block.refCount++ == 0) {
            evictable.remove(block);
            referencedBlocks++;
        }
        block.lastUsed = now;
    }

    /** Drops one reference per block; unreferenced leaves become evictable. */
    void release(List<Block> held) {
        for (Block block : held) {
            if (--block.refCount == 0) {
                referencedBlocks--;
                evictableIfLeaf(block);
            }
        }
    }

    private void evictableIfLeaf(Block block) {
        if (block.refCount == 0 && block.children == 0) {
            evictable.add(block);
        }
    }

    /** True when a block with this hash is cached at this index (another request computed the same block). */
    boolean contains(long hash, int index) {
        Block block = blocks.get(hash);
        return block != null && block.index == index;
    }

    Block lookup(long hash) {
        return blocks.get(hash);
    }

    /**
     * Caches block {@code index} of the sequence {@code seq}, whose cells hold it, under {@code parent} (null for
     * the first block), in the anchor {@code anchor} (or a new one when it is -1). The block comes back with one
     * reference, for the request that computed it. Returns null when no anchor sequence is free.
     */
    Block insert(long hash, Block parent, int index, int seq, int anchor) {
        if (anchor < 0) {
            Integer free = freeAnchors.poll();
            if (free == null) {
                return null;
            }
            anchor = free;
        }
        context.copySequence(seq, anchor, index * blockSize, (index + 1) * blockSize);
        Block block = new Block(hash, parent, index, anchor, ++ids);
        blocks.put(hash, block);
        anchorBlocks[anchor]++;
        if (parent != null) {
            if (parent.children++ == 0) {
                evictable.remove(parent);
            }
        }
        reference(block, ++clock);
        return block;
    }

    /** Evicts unreferenced leaves, least recently used first, until {@code cells} are freed or none is left. */
    int evict(int cells) {
        int freed = 0;
        while (freed < cells && !evictable.isEmpty()) {
            remove(evictable.pollFirst());
            freed += blockSize;
            evictions++;
        }
        return freed;
    }

    private void remove(Block block) {
        context.removeSequence(block.anchor, block.index * blockSize, (block.index + 1) * blockSize);
        blocks.remove(block.hash);
        if (--anchorBlocks[block.anchor] == 0) {
            freeAnchors.add(block.anchor);
        }
        if (block.parent != null) {
            block.parent.children--;
            evictableIfLeaf(block.parent);
        }
    }

    /** Cells kept by cached blocks, referenced or not. */
    int cachedCells() {
        return blocks.size() * blockSize;
    }

    /** Cells of cached blocks that no request holds: free to reuse, as vLLM counts its free block queue. */
    int reclaimableCells() {
        return (blocks.size() - referencedBlocks) * blockSize;
    }

    /**
     * Evicts unreferenced blocks (least recently used first) down to {@code maxIdleCells} while the cache earns
     * nothing: once at least {@link #IDLE_JUDGEMENT_REQUESTS} requests of the hit-rate window found no cached token.
     * In llama.cpp's unified KV cache every decode attends over the cells up to the highest one in use, so idle
     * cached cells cost every step; the most recent blocks stay, so a workload that starts sharing prefixes still finds
     * them and lifts the limit.
     */
    int trimWhileMissing(int maxIdleCells) {
        if (window.size() < IDLE_JUDGEMENT_REQUESTS || windowHits > 0) {
            return 0;
        }
        int idle = reclaimableCells();
        return idle > maxIdleCells ? evict(idle - maxIdleCells) : 0;
    }

    /** Empties the cache; refused (false) while any request holds a cached block. */
    boolean reset() {
        if (referencedBlocks > 0) {
            return false;
        }
        // whole anchors at once: one native call per anchor instead of one per block
        for (int anchor = firstAnchor; anchor < anchorBlocks.length; anchor++) {
            if (anchorBlocks[anchor] > 0) {
                context.removeSequence(anchor, -1, -1);
            }
        }
        blocks.clear();
        evictable.clear();
        java.util.Arrays.fill(anchorBlocks, 0);
        freeAnchors.clear();
        for (int s = firstAnchor; s < anchorBlocks.length; s++) {
            freeAnchors.add(s);
        }
        window.clear();
        windowQueries = 0;
        windowHits = 0;
        return true;
    }

    /** One request's lookup: {@code queried} tokens asked for, {@code hit} of them found. */
    void record(int queried, int hit) {
        queries += queried;
        hits += hit;
        window.addLast(new long[] {queried, hit});
        windowQueries += queried;
        windowHits += hit;
        while (window.size() > HIT_RATE_WINDOW) {
            long[] old = window.removeFirst();
            windowQueries -= old[0];
            windowHits -= old[1];
        }
    }

    PrefixCacheStats stats() {
        return new PrefixCacheStats(blocks.size(), blocks.size() - referencedBlocks, queries, hits,
                windowQueries == 0 ? 0 : windowHits / (double) windowQueries, evictions);
    }
}
