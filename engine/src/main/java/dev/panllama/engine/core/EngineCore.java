package dev.panllama.engine.core;

import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.EngineDeadException;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.Model;
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

    private final EngineResources resources;
    private final EngineControl control;
    private final int maxModelLen;
    private final KvCacheManager kv;
    private final Scheduler scheduler;
    private final ModelRunner runner;
    private final Consumer<Object> sink;
    /** Null when the engine was built without LoRA. */
    private final LoraRuntime lora;
    private LoraRuntime.AdapterSet appliedAdapters;
    private final BlockingQueue<Command> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile Throwable deathCause;
    /** Set when the model's remote memory is gone: freeing it would make ggml abort the process. */
    private volatile boolean nativeMemoryLost;
    /** Set under the inbox's lock when the loop ends. */
    private boolean closed;
    /**
     * Whether a step's outputs wait to be handed to the output thread until the next step's decode is on the device.
     * Waking that thread is a system call (about 7 µs on the development VM) that otherwise sits between two decodes,
     * while a GPU idles; a GPU decode returns before the device is done, so the hand-off fits under it. Engines that
     * pick tokens in the graph do it (GPU engines by default): on a CPU the decode has already finished when it
     * returns, and holding outputs back would only delay them by a step.
     */
    private final boolean handOffUnderDecode;
    /** A step's outputs not yet handed over (only with handOffUnderDecode); every other send hands them over first. */
    private StepOutputs heldOutputs;
    private long steps;

    /**
     * @param sink receives a {@link StepOutputs} per step, and the {@link Throwable} that killed the engine
     */
    EngineCore(Model model, Context context, EngineArgs args, int maxModelLen, Consumer<Object> sink) {
        this(model, context, args, maxModelLen, null, sink);
    }

    EngineCore(Model model, Context context, EngineArgs args, int maxModelLen, LoraRuntime lora, Consumer<Object> sink) {
        this.lora = lora;
        this.resources = new EngineResources(model, context);
        this.control = new EngineControl(this, args.enableSleepMode());
        this.maxModelLen = maxModelLen;
        this.kv = new KvCacheManager(context, args.maxNumSeqs(), prefixBlockSize(model, context, args), pinsKvView(model, context, args));
        boolean inGraph = deviceSampling(args);
        // with picks made in the graph a step is one micro-batch, whose graph hands all its picks back in one copy
        // (Context.decode refuses more); llama.cpp would split a larger step into micro-batches anyway
        int stepTokens = inGraph ? Math.min(args.maxNumBatchedTokens(), context.microBatchSize()) : args.maxNumBatchedTokens();
        this.scheduler = new Scheduler(args.schedulingPolicy(), stepTokens, kv, args.maxLoras());
        this.runner = new ModelRunner(context, stepTokens, inGraph);
        this.handOffUnderDecode = inGraph;
        this.sink = sink;
        this.thread = Thread.ofPlatform().name("panllama-engine-core").daemon(true).unstarted(this::loop);
    }

    /** Whether to pin the attention view ({@link EngineArgs#pinKvView}); a memory it cannot pin is refused. */
    private static boolean pinsKvView(Model model, Context context, EngineArgs args) {
        if (!args.pinKvView()) {
            return false;
        }
        String why = whyCellsCannotBeShared(model, context, args);
        if (why != null) {
            throw new InvalidRequestException("pin_kv_view", true, "pin_kv_view cannot pin this model's attention view: "
                    + why + "; leave it off");
        }
        return true;
    }

    /**
     * The prefix cache's block size, or 0 when it is off: by request, or because cached cells could not be
     * shared ({@link #whyCellsCannotBeShared}).
     */
    private static int prefixBlockSize(Model model, Context context, EngineArgs args) {
        if (!args.enablePrefixCaching()) {
            return 0;
        }
        String why = whyCellsCannotBeShared(model, context, args);
        if (why != null) {
            LOG.info("prefix caching is off: {}", why);
            return 0;
        }
        return args.prefixCacheBlockSize();
    }

    /**
     * Why the KV memory cannot hold cells beyond the requests' own sequences (cached prefixes, the pinned view's cell),
     * or null when it can: a memory that is not one unified cache, sliding-window attention that drops old positions,
     * recurrent state that cannot be cut at a block boundary.
     */
    private static String whyCellsCannotBeShared(Model model, Context context, EngineArgs args) {
        return !context.hasMemory() ? "the model has no KV memory"
                : context.memorySequences() <= args.maxNumSeqs() ? "the KV cache is not unified"
                : model.slidingWindow() > 0 ? "the model uses sliding-window attention, whose cache keeps only a window"
                : model.isRecurrent() ? "the model keeps recurrent state, not a plain KV cache" : null;
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

    /** The context, for work that runs on this thread through a utility call (encoding). */
    Context context() {
        return resources.context();
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
                boolean canStep = control.canStep(scheduler);
                if (!canStep) {
                    handOverHeldOutputs(); // nothing will run for a while: they must not wait for a next step
                }
                Command command = canStep ? inbox.poll() : inbox.take();
                if (command == null) {
                    step();
                    control.checkWaiters();
                    continue;
                }
                handOverHeldOutputs();
                if (command instanceof Stop) {
                    break;
                }
                handle(command);
                control.checkWaiters();
            }
            closeInbox();
            control.failWaiters(new IllegalStateException("engine shut down"));
        } catch (Throwable t) {
            deathCause = t;
            LOG.error("engine core died", t);
            closeInbox();
            control.failWaiters(t);
            send(t);
        } finally {
            if (!nativeMemoryLost) {
                runner.close();
                if (lora != null) {
                    lora.close();
                }
                resources.close();
            }
        }
    }

    private void handle(Command command) {
        switch (command) {
            case Add add -> admit(add.request());
            case Abort abort -> {
                for (String id : abort.requestIds()) {
                    EngineRequest request = scheduler.get(id);
                    if (request != null) {
                        scheduler.remove(id);
                        releaseHeld(request);
                    }
                }
                publishState();
            }
            case Utility<?> utility -> runUtility(utility);
            case Stop stop -> { }
        }
    }

    /** Queues a request; one with an adapter first takes hold of it (loading it if needed). */
    private void admit(EngineRequest request) {
        if (request.lora() != null) {
            try {
                request.holdLora(lora.acquire(request.lora()));
            } catch (RuntimeException e) {
                // the caller's thread validated the file; this is a refusal only the load itself could find
                LOG.warn("request {} cannot use LoRA adapter {}: {}", request.id(), request.lora(), e.getMessage());
                request.finish(FinishReason.ABORT, "LoRA adapter " + request.lora().id() + " could not be loaded: " + e.getMessage());
                send(new StepOutputs(List.of(new EngineCoreOutput(request.id(), new int[0], null,
                        request.finishReason(), request.stopReason(), 0, null, 0)), stateOnly()));
                return;
            }
        }
        scheduler.add(request);
    }

    /**
     * Sampling in the graph pays on a GPU, where a logits row would otherwise cross to the host and be scanned there
     * (on an H200 with a 128k vocabulary: 1.06 ms instead of 1.18 ms a token for one stream). The graph's argmax is one
     * op over all the step's rows (see GraphArgmax), so it stays cheap however many streams run. On a CPU the row is
     * in host memory already.
     * Off under tensor split and with RPC workers, where llama.cpp keeps sampling on the CPU anyway.
     */
    private static boolean deviceSampling(EngineArgs args) {
        if (args.deviceSampling() != null) {
            return args.deviceSampling();
        }
        return args.nGpuLayers() != 0 && args.parallel().rpcWorkers().isEmpty()
                && args.parallel().splitMode() != dev.panllama.engine.nativeapi.DevicePlacement.SplitMode.TENSOR
                && !dev.panllama.engine.nativeapi.BackendDevices.offloadDevices().isEmpty();
    }

    boolean loraEnabled() {
        return lora != null;
    }

    /** The engine's LoRA support, for utility calls; fails when the engine was built without it. */
    LoraRuntime lora() {
        if (lora == null) {
            throw new IllegalStateException("LoRA is not enabled: build the engine with enableLora(true)");
        }
        return lora;
    }

    /** Applies the step's adapter set; llama.cpp re-plans its graph only when the set changes. */
    private void applyAdapters(LoraRuntime.AdapterSet set) {
        if (java.util.Objects.equals(set, appliedAdapters) && (set == null || resources.context().loraAdapters().contains(set.adapter()))) {
            return;
        }
        if (set == null) {
            resources.context().setLoraAdapters(List.of(), new float[0]);
        } else {
            resources.context().setLoraAdapters(List.of(set.adapter()), new float[] {set.scale()});
        }
        appliedAdapters = set;
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
        scheduler.setAdmissionOpen(control.admitsWaiting());
        List<ScheduledChunk> chunks = scheduler.schedule();
        if (chunks.isEmpty()) {
            handOverHeldOutputs();
            return;
        }
        if (lora != null) {
            applyAdapters(chunks.getFirst().request().adapterSet());
        }
        List<ModelRunner.Sampled> sampled = runner.execute(chunks, this::handOverHeldOutputs);
        handOverHeldOutputs(); // when the decode found no room, it never got to them
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
        StepOutputs stepOutputs = new StepOutputs(outputs, stats(prefill, prefillTokens, decode, lookups, start,
                System.nanoTime() - start, runner.lastDecodeNanos(), runner.lastSampleNanos(), runner.lastGraphReused(),
                runner.lastDecodeCallNanos()));
        boolean idle = scheduler.runningCount() == 0 && scheduler.waitingCount() == 0;
        if (handOffUnderDecode && !idle) {
            heldOutputs = stepOutputs; // handed over while the next step's decode runs on the device
        } else {
            send(stepOutputs);
        }
        if (idle) {
            runner.dropDeviceSamplers();
        }
    }

    /** Every item for the output side goes through here, after any step outputs still held, so order is kept. */
    private void send(Object item) {
        handOverHeldOutputs();
        sink.accept(item);
    }

    private void handOverHeldOutputs() {
        if (heldOutputs != null) {
            StepOutputs held = heldOutputs;
            heldOutputs = null;
            sink.accept(held);
        }
    }

    private StepStats stats(List<String> prefill, int prefillTokens, List<String> decode, int[] prefixLookups,
                            long start, long nanos, long decodeNanos, long sampleNanos, boolean graphReused,
                            long decodeCallNanos) {
        return new StepStats(steps, prefill, prefillTokens, decode, scheduler.runningCount(), scheduler.waitingCount(),
                kv.usedTokens(), kv.capacity(), scheduler.preemptions(), prefixLookups[0], prefixLookups[1],
                kv.prefixCacheStats().recentHitRate(), nanos, start,
                decodeNanos, sampleNanos, graphReused, decodeCallNanos);
    }

    private StepStats stateOnly() {
        return stats(List.of(), 0, List.of(), new int[2], System.nanoTime(), 0, 0, 0, false, 0);
    }

    /**
     * Tells the output side the queues and KV after a command that changed them without a step (abort, pause,
     * sleep), so gauges never keep a stale value. It is a state update, not a step: no requests, 0 nanos.
     */
    void publishState() {
        send(new StepOutputs(List.of(), stateOnly()));
    }

    /** Sends final outputs made between steps (pause in abort mode), with the state after them. */
    void emitOutputs(List<EngineCoreOutput> outputs) {
        send(new StepOutputs(outputs, stateOnly()));
    }

    /** Runs {@code action} on the output thread once every output sent so far was delivered. */
    void afterOutputs(Runnable action) {
        send(action);
    }

    Scheduler scheduler() {
        return scheduler;
    }

    ModelRunner runner() {
        return runner;
    }

    KvCacheManager kv() {
        return kv;
    }

    EngineResources resources() {
        return resources;
    }

    EngineControl control() {
        return control;
    }

    /** After sleep mode brought back the context (and maybe the model), every user of the old ones moves over. */
    void rebind() {
        Context fresh = resources.context();
        kv.rebind(fresh);
        runner.rebind(fresh);
        appliedAdapters = null; // a new context starts without adapters
    }

    /** Appends a sampled token, applies the engine-side stop rules, and finishes the request if they say so. */
    private EngineCoreOutput accept(ModelRunner.Sampled s) {
        EngineRequest request = s.request();
        int token = s.token();
        request.appendOutput(token);
        var params = request.params();
        if (request.outputLength() >= params.minTokens()) {
            if (!params.ignoreEos() && runner.isEndOfGeneration(token)) {
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
            releaseHeld(request);
        }
        return new EngineCoreOutput(request.id(), new int[] {token}, s.logprobs() == null ? null : List.of(s.logprobs()),
                request.finishReason(), request.stopReason(), request.cachedTokens(), promptLogprobs,
                request.firstScheduledNanos());
    }

    /**
     * Gives back what a request that left the scheduler (finished or aborted) holds outside it: its sampler and its
     * LoRA adapter, which another request may then evict.
     */
    void releaseHeld(EngineRequest request) {
        runner.release(request);
        request.releaseLora();
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
