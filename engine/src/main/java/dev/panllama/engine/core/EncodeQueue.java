package dev.panllama.engine.core;

import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pooling requests waiting for the engine thread. Callers add jobs from any thread; one utility call at a time
 * drains the queue on the engine thread (between generation steps), packing as many prompts as fit into each
 * batch, one sequence id per prompt, every token an output, and reads one pooled vector per sequence. Jobs that
 * arrive while a batch runs go into the next one, so concurrent requests share decodes.
 */
public final class EncodeQueue {
    /** One prompt to pool; its future completes with the pooled (and, if asked, L2-normalized) vector. */
    public record Job(int[] tokens, boolean normalize, CompletableFuture<float[]> result) {}

    private final InProcessClient client;
    private final int maxBatchTokens;
    private final int maxSequences;
    private final ConcurrentLinkedQueue<Job> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong batches = new AtomicLong();

    /**
     * @param maxBatchTokens tokens per decode: the context's micro-batch size (encoders run a batch in one)
     * @param maxSequences   prompts per decode: the context's sequence count
     */
    public EncodeQueue(InProcessClient client, int maxBatchTokens, int maxSequences) {
        this.client = client;
        this.maxBatchTokens = maxBatchTokens;
        this.maxSequences = maxSequences;
    }

    /** Most tokens one prompt may have here. */
    public int maxBatchTokens() {
        return maxBatchTokens;
    }

    /** Decodes run so far (each may carry many prompts). */
    public long batchesRun() {
        return batches.get();
    }

    /** Queues a prompt; the caller has checked that it is non-empty and at most {@link #maxBatchTokens()} long. */
    public Job submit(int[] tokens, boolean normalize) {
        if (tokens.length == 0 || tokens.length > maxBatchTokens) {
            throw new IllegalArgumentException("prompt of " + tokens.length + " tokens cannot be encoded in batches of "
                    + maxBatchTokens);
        }
        Job job = new Job(tokens.clone(), normalize, new CompletableFuture<>());
        pending.add(job);
        scheduleDrain();
        return job;
    }

    /** Takes a job out if it has not started; it then never completes normally. */
    public boolean cancel(Job job) {
        return pending.remove(job);
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            client.call(core -> {
                drainScheduled.set(false); // jobs added from now on need (and get) another drain
                drain(core.context());
                return null;
            }).whenComplete((ignored, error) -> {
                if (error != null) {
                    drainScheduled.set(false);
                    failPending(error);
                }
            });
        }
    }

    /** The engine thread is gone (shut down or died) with jobs still queued: they can never run. */
    private void failPending(Throwable error) {
        for (Job job = pending.poll(); job != null; job = pending.poll()) {
            job.result().completeExceptionally(new EngineDeadException("the engine stopped before this request was encoded: "
                    + error.getMessage(), error));
        }
    }

    /** On the engine thread: runs batches until the queue is empty. */
    private void drain(Context context) {
        try (Batch batch = new Batch(maxBatchTokens, 1)) {
            List<Job> jobs = new ArrayList<>();
            Job carry = null;
            do {
                batch.clear();
                jobs.clear();
                for (Job next = carry != null ? carry : pending.poll(); next != null; next = pending.poll()) {
                    carry = null;
                    if (!jobs.isEmpty() && (jobs.size() == maxSequences || batch.size() + next.tokens().length > maxBatchTokens)) {
                        carry = next;
                        break;
                    }
                    int seq = jobs.size();
                    for (int pos = 0; pos < next.tokens().length; pos++) {
                        batch.add(next.tokens()[pos], pos, seq, true);
                    }
                    jobs.add(next);
                }
                if (!jobs.isEmpty()) {
                    run(context, batch, jobs);
                }
            } while (carry != null || !pending.isEmpty());
        }
    }

    private void run(Context context, Batch batch, List<Job> jobs) {
        try {
            if (!context.decode(batch)) {
                throw new IllegalStateException("the context had no room for a batch of " + batch.size() + " tokens");
            }
            batches.incrementAndGet();
            for (int seq = 0; seq < jobs.size(); seq++) {
                float[] pooled = context.sequenceEmbedding(seq);
                if (jobs.get(seq).normalize()) {
                    normalize(pooled);
                }
                jobs.get(seq).result().complete(pooled);
            }
        } catch (RuntimeException | Error e) {
            jobs.forEach(job -> job.result().completeExceptionally(e));
            if (e instanceof Error) {
                throw e;
            }
        } finally {
            if (context.hasMemory()) {
                for (int seq = 0; seq < jobs.size(); seq++) {
                    context.removeSequence(seq, -1, -1);
                }
            }
        }
    }

    /** In place: divides by the L2 norm (a zero vector stays zero). */
    static void normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (sum > 0) {
            float scale = (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < v.length; i++) {
                v[i] *= scale;
            }
        }
    }
}
