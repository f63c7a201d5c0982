package dev.panllama.engine.dp;

import dev.panllama.engine.core.EngineCoreClient;
import dev.panllama.engine.core.EngineCoreOutput;
import dev.panllama.engine.core.EngineRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One data-parallel engine core and the work it owes: every request routed to it, charged its prompt plus its
 * remaining output budget, so the balancer can pick the core with the fewest outstanding tokens.
 */
final class EngineCoreReplica {
    private final int rank;
    private final EngineCoreClient client;
    private final Map<String, Long> charges = new ConcurrentHashMap<>();
    private final AtomicLong outstandingTokens = new AtomicLong();
    private volatile boolean draining;

    EngineCoreReplica(int rank, EngineCoreClient client) {
        this.rank = rank;
        this.client = client;
    }

    int rank() {
        return rank;
    }

    EngineCoreClient client() {
        return client;
    }

    long outstandingTokens() {
        return outstandingTokens.get();
    }

    int liveRequests() {
        return charges.size();
    }

    boolean draining() {
        return draining;
    }

    void setDraining(boolean value) {
        draining = value;
    }

    void charge(EngineRequest request) {
        long tokens = (long) request.promptLength() + request.maxTokens();
        charges.put(request.id(), tokens);
        outstandingTokens.addAndGet(tokens);
    }

    /**
     * Pays a step's new tokens off its request's charge; a finished request returns whatever it had left (its
     * prompt stays charged until then, as its KV is held until then).
     */
    void account(EngineCoreOutput output) {
        if (output.finished()) {
            release(output.requestId());
            return;
        }
        charges.computeIfPresent(output.requestId(), (id, left) -> {
            long paid = Math.min(left, output.newTokens().length);
            outstandingTokens.addAndGet(-paid);
            return left - paid;
        });
    }

    void release(String requestId) {
        Long left = charges.remove(requestId);
        if (left != null) {
            outstandingTokens.addAndGet(-left);
        }
    }
}
