package dev.panllama.engine.core;

import dev.panllama.engine.FinishReason;
import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.lora.LoraRuntime;
import java.util.Arrays;

/**
 * A request as the engine thread sees it: tokens, progress and its sequence slot. Only the engine thread
 * touches it after it was added.
 *
 * <p>{@code computed} counts tokens of {@link #allTokens()} already in the KV cache. Preemption resets it to
 * 0 and the request recomputes prompt and output so far (vLLM's recompute preemption).
 */
public final class EngineRequest {
    private final String id;
    private final int[] promptTokens;
    private final SamplingParams params;
    private final int priority;
    private final long arrivalSequence;
    private final long seed;
    /** Requests of one n > 1 parent share its prompt; the first child computes it, the others copy its KV. */
    private final String promptGroup;
    private final int maxTokens;
    /** Keeps requests that share a prompt from sharing cached KV (vLLM's cache_salt); null = no salt. */
    private final String cacheSalt;
    private final LoraRequest lora;
    /** The loaded adapter this request holds while the engine has it; null for the base model. */
    private LoraRuntime.Lease loraLease;
    private int[] output = new int[16];
    private int outputLength;
    private int computed;
    private int slot = -1;
    private FinishReason finishReason;
    private Object stopReason;
    private int cachedTokens;
    private long firstScheduledNanos;
    /** KV cells only this request holds (cached prefix blocks it shares are counted by the cache). */
    private int ownCells;
    private RequestBlocks blocks;

    public EngineRequest(String id, int[] promptTokens, SamplingParams params, int priority, long arrivalSequence,
                         long seed, String promptGroup, int maxTokens, String cacheSalt) {
        this(id, promptTokens, params, priority, arrivalSequence, seed, promptGroup, maxTokens, cacheSalt, null);
    }

    public EngineRequest(String id, int[] promptTokens, SamplingParams params, int priority, long arrivalSequence,
                         long seed, String promptGroup, int maxTokens, String cacheSalt, LoraRequest lora) {
        this.lora = lora;
        this.id = id;
        this.promptTokens = promptTokens;
        this.params = params;
        this.priority = priority;
        this.arrivalSequence = arrivalSequence;
        this.seed = seed;
        this.promptGroup = promptGroup;
        this.maxTokens = maxTokens;
        this.cacheSalt = cacheSalt;
    }

    public String id() { return id; }
    public int[] promptTokens() { return promptTokens; }
    public int promptLength() { return promptTokens.length; }
    public SamplingParams params() { return params; }
    public int priority() { return priority; }
    public long arrivalSequence() { return arrivalSequence; }
    public long seed() { return seed; }
    public String promptGroup() { return promptGroup; }
    public int maxTokens() { return maxTokens; }
    public String cacheSalt() { return cacheSalt; }
    public int outputLength() { return outputLength; }
    public int computed() { return computed; }
    public int slot() { return slot; }
    public FinishReason finishReason() { return finishReason; }
    public Object stopReason() { return stopReason; }
    public int cachedTokens() { return cachedTokens; }
    public long firstScheduledNanos() { return firstScheduledNanos; }

    public LoraRequest lora() { return lora; }

    /** The adapter set this request computes under; null for the base model. Requests of one set share steps. */
    public LoraRuntime.AdapterSet adapterSet() {
        return loraLease == null ? null : loraLease.adapterSet();
    }

    LoraRuntime.Lease loraLease() {
        return loraLease;
    }

    void holdLora(LoraRuntime.Lease lease) {
        loraLease = lease;
    }

    /** Gives the adapter back; once a request ended it never computes again. */
    void releaseLora() {
        if (loraLease != null) {
            loraLease.close();
            loraLease = null;
        }
    }

    public int totalLength() {
        return promptTokens.length + outputLength;
    }

    /** Token at position {@code i} of prompt followed by output. */
    public int tokenAt(int i) {
        return i < promptTokens.length ? promptTokens[i] : output[i - promptTokens.length];
    }

    public int[] allTokens() {
        int[] all = Arrays.copyOf(promptTokens, totalLength());
        System.arraycopy(output, 0, all, promptTokens.length, outputLength);
        return all;
    }

    public int[] outputTokens() {
        return Arrays.copyOf(output, outputLength);
    }

    public int outputToken(int i) {
        return output[i];
    }

    /** Tokens still to be computed before the next one can be sampled. */
    public int uncomputed() {
        return totalLength() - computed;
    }

    public boolean isFinished() {
        return finishReason != null;
    }

    void appendOutput(int token) {
        if (outputLength == output.length) {
            output = Arrays.copyOf(output, output.length * 2);
        }
        output[outputLength++] = token;
    }

    void advance(int tokens) {
        computed += tokens;
    }

    void assignSlot(int s) {
        slot = s;
    }

    /** After preemption: nothing is in the KV cache any more (num_cached_tokens keeps the first admission's count). */
    void resetProgress() {
        computed = 0;
        slot = -1;
    }

    /** Starts computing after {@code computedTokens} whose KV came from elsewhere; the first admission's count is reported. */
    void skipTo(int computedTokens, int cached) {
        computed = computedTokens;
        if (!wasScheduled()) {
            cachedTokens = cached;
        }
    }

    boolean wasScheduled() {
        return firstScheduledNanos != 0;
    }

    int ownCells() {
        return ownCells;
    }

    void addOwnCells(int cells) {
        ownCells += cells;
    }

    RequestBlocks blocks() {
        return blocks;
    }

    void attachBlocks(RequestBlocks value) {
        blocks = value;
    }

    void markScheduled(long nanos) {
        if (firstScheduledNanos == 0) {
            firstScheduledNanos = nanos;
        }
    }

    void finish(FinishReason reason, Object stop) {
        finishReason = reason;
        stopReason = stop;
    }
}
