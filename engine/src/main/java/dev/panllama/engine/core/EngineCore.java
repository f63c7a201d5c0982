package dev.panllama.engine.core;

import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.Vocab;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one platform thread that owns every native call of a model replica. Its loop drains the inbox
 * (ADD, ABORT, UTILITY commands) and, while requests are unfinished, runs steps: schedule → decode and
 * sample → finish checks → outputs to the output processor. Control calls run here between steps, so they
 * never overlap a decode.
 */
public final class EngineCore {
    private static final Logger LOG = LoggerFactory.getLogger(EngineCore.class);

    /** Messages to the engine thread. */
    sealed interface Command permits Add, Abort, Utility, Stop {}

    record Add(EngineRequest request) implements Command {}

    record Abort(Collection<String> requestIds) implements Command {}

    record Utility<T>(Function<EngineCore, T> call, CompletableFuture<T> reply) implements Command {}

    record Stop() implements Command {}

    private final Model model;
    private final Context context;
    private final int maxModelLen;
    private final KvCacheManager kv;
    private final Scheduler scheduler;
    private final ModelRunner runner;
    private final Vocab vocab;
    private final Consumer<Object> sink;
    private final BlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile Throwable deathCause;
    /** Set when the model's remote memory is gone: freeing it would make ggml abort the process. */
    private volatile boolean nativeMemoryLost;
    /** Set under the inbox's lock when the loop ends. */
    private boolean closed;
    private long steps;

    /**
     * @param sink receives a {@link StepOutputs} per step, and the {@link Throwable} that killed the engine
     */
    EngineCore(Model model, Context context, EngineArgs args, int maxModelLen, Consumer<Object> sink) {
        this.model = model;
        this.context = context;
        this.maxModelLen = maxModelLen;
        this.kv = new KvCacheManager(context, args.maxNumSeqs(), prefixBlockSize(model, context, args));
        this.scheduler = new Scheduler(args.schedulingPolicy(), args.maxNumBatchedTokens(), kv);
        this.runner = new ModelRunner(context, args.maxNumBatchedTokens());
        this.vocab = model.vocab();
        this.sink = sink;
        this.thread = Thread.ofPlatform().name("panllama-engine-core").daemon(true).unstarted(this::loop);
    }

    /**
     * The prefix cache's block size, or 0 when it is off: by request, or because cached cells could not be
     * shared — a memory that is not one unified cache, sliding-window attention that drops old positions,
     * recurrent state that cannot be cut at a block boundary.
     */
    private static int prefixBlockSize(Model model, Context context, EngineArgs args) {
        if (!args.enablePrefixCaching()) {
            return 0;
        }
        String why = !context.hasMemory() ? "the model has no KV memory"
                : context.memorySequences() <= args.maxNumSeqs() ? "the KV cache is not unified"
                : model.slidingWindow() > 0 ? "the model uses sliding-window attention"
                : model.isRecurrent() ? "the model keeps recurrent state" : null;
        if (why != null) {
            LOG.info("prefix caching is off: {}", why);
            return 0;
        }
        return args.prefixCacheBlockSize();
    }

    void start() {
        thread.start();
    }

    /** Queues a command; once the loop has ended, a utility call fails at once instead of waiting forever. */
    void submit(Command command) {
        synchronized (inbox) {
            if (!closed) {
                inbox.add(command);
                return;
            }
        }
        if (command instanceof Utility<?> utility) {
            utility.reply().completeExceptionally(deadError());
        }
    }

    private EngineDeadException deadError() {
        return deathCause == null ? new EngineDeadException("the engine was shut down") : new EngineDeadException(deathCause);
    }

    /**
     * Keeps the model and context unfreed when the loop ends: their buffers live on a lost RPC worker, and ggml
     * aborts the process when it cannot reach the server to free them. The memory is reclaimed when the process ends.
     */
    void abandonNativeMemory() {
        nativeMemoryLost = true;
    }

    Throwable deathCause() {
        return deathCause;
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void loop() {
        try {
            while (true) {
                Command command = scheduler.hasUnfinished() ? inbox.poll() : inbox.take();
                if (command == null) {
                    step();
                    continue;
                }
                if (command instanceof Stop) {
                    break;
                }
                handle(command);
            }
            closeInbox();
        } catch (Throwable t) {
            deathCause = t;
            LOG.error("engine core died", t);
            closeInbox();
            sink.accept(t);
        } finally {
            if (!nativeMemoryLost) {
                runner.close();
                context.close();
                model.close();
            }
        }
    }

    private void handle(Command command) {
        switch (command) {
            case Add add -> scheduler.add(add.request());
            case Abort abort -> {
                for (String id : abort.requestIds()) {
                    EngineRequest request = scheduler.get(id);
                    if (request != null) {
                        scheduler.remove(id);
                        runner.release(request);
                    }
                }
            }
            case Utility<?> utility -> runUtility(utility);
            case Stop stop -> { }
        }
    }

    private <T> void runUtility(Utility<T> utility) {
        try {
            utility.reply().complete(utility.call().apply(this));
        } catch (RuntimeException e) {
            utility.reply().completeExceptionally(e);
        }
    }

    /** Refuses further commands and fails the utility calls still queued (vLLM leaves them hanging). */
    private void closeInbox() {
        List<Command> pending;
        synchronized (inbox) {
            closed = true;
            pending = new ArrayList<>(inbox);
            inbox.clear();
        }
        for (Command command : pending) {
            if (command instanceof Utility<?> utility) {
                utility.reply().completeExceptionally(deadError());
            }
        }
    }

    private void step() {
        long start = System.nanoTime();
        List<ScheduledChunk> chunks = scheduler.schedule();
        if (chunks.isEmpty()) {
            return;
        }
        List<ModelRunner.Sampled> sampled = runner.execute(chunks);
        if (sampled == null) {
            // llama.cpp found no room for the batch although the count said there was (fragmentation):
            // unheld cached prefixes go first, then a running request
            if (kv.evictReclaimable() == 0 && !scheduler.preemptForSpace()) {
                throw new IllegalStateException("KV cache of " + kv.capacity() + " cells cannot hold one request of "
                        + chunks.getFirst().request().totalLength() + " tokens");
            }
            return;
        }
        List<String> prefill = new ArrayList<>();
        List<String> decode = new ArrayList<>();
        int prefillTokens = 0;
        for (ScheduledChunk chunk : chunks) {
            chunk.request().advance(chunk.count());
            kv.commit(chunk.request(), chunk.count());
            if (chunk.start() < chunk.request().promptLength()) {
                prefill.add(chunk.request().id());
                prefillTokens += chunk.count();
            } else {
                decode.add(chunk.request().id());
            }
        }
        List<EngineCoreOutput> outputs = new ArrayList<>(sampled.size());
        for (ModelRunner.Sampled s : sampled) {
            outputs.add(accept(s));
        }
        steps++;
        int[] lookups = kv.takeStepLookups();
        StepStats stats = new StepStats(steps, prefill, prefillTokens, decode, scheduler.runningCount(),
                scheduler.waitingCount(), kv.usedTokens(), kv.capacity(), scheduler.preemptions(), lookups[0], lookups[1],
                System.nanoTime() - start);
        sink.accept(new StepOutputs(outputs, stats));
    }

    /** Appends a sampled token, applies the engine-side stop rules, and finishes the request if they say so. */
    private EngineCoreOutput accept(ModelRunner.Sampled s) {
        EngineRequest request = s.request();
        int token = s.token();
        request.appendOutput(token);
        var params = request.params();
        if (request.outputLength() >= params.minTokens()) {
            if (!params.ignoreEos() && vocab.isEndOfGeneration(token)) {
                request.finish(FinishReason.STOP, null);
            } else if (params.stopTokenIds().contains(token)) {
                request.finish(FinishReason.STOP, token);
            }
        }
        if (!request.isFinished() && (request.outputLength() >= request.maxTokens() || request.totalLength() >= maxModelLen)) {
            request.finish(FinishReason.LENGTH, null);
        }
        List<TokenLogprobs> promptLogprobs = request.outputLength() == 1 ? runner.takePromptLogprobs(request) : null;
        if (request.isFinished()) {
            scheduler.finish(request);
            runner.release(request);
        }
        return new EngineCoreOutput(request.id(), new int[] {token}, s.logprobs() == null ? null : List.of(s.logprobs()),
                request.finishReason(), request.stopReason(), request.cachedTokens(), promptLogprobs,
                request.firstScheduledNanos());
    }

    /** Between steps, on the engine thread: the queues, slots, KV and samplers in use. */
    EngineSnapshot snapshot() {
        return new EngineSnapshot(scheduler.runningCount(), scheduler.waitingCount(),
                kv.slotsInUse(), kv.slotCount(), kv.usedTokens(), kv.capacity(), runner.activeSamplers(), steps,
                scheduler.preemptions(), kv.prefixCacheStats());
    }

    /**
     * Empties the prefix cache. Refused (false) while requests hold KV, unless {@code resetRunningRequests}: then
     * they are preempted first and recompute later, with the same outputs.
     */
    boolean resetPrefixCache(boolean resetRunningRequests) {
        if (resetRunningRequests) {
            scheduler.preemptAll();
        }
        boolean reset = kv.resetPrefixCache();
        if (!reset) {
            LOG.warn("prefix cache not reset: {} request(s) still hold KV cells", kv.slotsInUse());
        }
        return reset;
    }
}
