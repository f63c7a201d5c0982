package dev.panllama.engine.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One request's side of the prefix cache: its block hashes, the cached blocks it holds (taken on a hit or
 * cached from its own cells), how many of its blocks were already offered to the cache, and the anchor its
 * own blocks go to. Reset when the request gives up its KV (finish, abort, preemption).
 */
final class RequestBlocks {
    final BlockHashChain chain;
    final List<PrefixCache.Block> held = new ArrayList<>();
    /** Leading full blocks already matched or offered to the cache. */
    int offered;
    /** The anchor this request's new blocks are tagged with (-1 until it caches its first one). */
    int anchor = -1;
    /** Set when a block could not be cached: later blocks would have no cached parent. */
    boolean stopped;

    RequestBlocks(BlockHashChain chain) {
        this.chain = chain;
    }

    void clear() {
        held.clear();
        offered = 0;
        anchor = -1;
        stopped = false;
    }
}
