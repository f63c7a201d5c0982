package dev.panllama.engine;

import dev.panllama.engine.core.EncodeQueue;
import dev.panllama.engine.core.EngineCoreClient;
import dev.panllama.engine.core.EngineRequest;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.dp.DataParallelClient;
import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.lora.LoraRuntimeProvider;
import dev.panllama.engine.nativeapi.ChatTemplate;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.nativeapi.PoolingType;
import dev.panllama.engine.output.OutputProcessor;
import dev.panllama.engine.output.RequestOutputCollector;
import dev.panllama.engine.profiling.ProfileResult;
import dev.panllama.engine.workers.Executor;
import dev.panllama.engine.workers.UnknownWorkerMethodException;
import dev.panllama.engine.workers.WorkerCallException;
import dev.panllama.engine.workers.WorkerFunction;
import dev.panllama.engine.workers.WorkerTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The engine's public face, after vLLM's {@code AsyncLLM}: submit requests and read their outputs as streams,
 * abort them, and watch the engine's health. Requests are tokenized and validated on the caller's thread; one
 * engine thread runs every native call with continuous batching; an output thread detokenizes and delivers.
 */
public final class AsyncLLM implements AutoCloseable {
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final EngineArgs args;
    private final int maxModelLen;
    private final Tokenizer tokenizer;
    private final InputProcessor inputs;
    private final EngineCoreClient client;
    private final OutputProcessor outputs;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicBoolean shutdown = new AtomicBoolean();
    private final Set<String> supportedTasks;
    /** With sleep mode, the tokenizer's own vocab-only model, so sleep level 2 may free the engine's. */
    private final Model frontendVocab;
    private final EngineTelemetry telemetry;
    private final ControlPlane control;
    private final Encoder encoder;

    /** Null unless the engine was built with LoRA enabled. */
    private final LoraRuntime lora;

    private final Executor executor;

    private AsyncLLM(EngineArgs args, Model model, Context context, int maxModelLen, EngineObservability observability,
                     LoraRuntime lora, Executor executor) {
        this.lora = lora;
        this.executor = executor;
        this.args = args;
        this.maxModelLen = maxModelLen;
        String template = args.chatTemplate() != null ? args.chatTemplate() : ChatTemplate.of(model);
        this.frontendVocab = args.enableSleepMode() ? Model.load(args.model(), ModelParams.defaults().withVocabOnly(true)) : null;
        var vocab = frontendVocab != null ? frontendVocab.vocab() : model.vocab();
        this.tokenizer = new Tokenizer(vocab, template);
        this.inputs = new InputProcessor(tokenizer, maxModelLen);
        PoolingType pooling = ReplicaLoader.effectivePooling(args, model);
        this.supportedTasks = pooling != PoolingType.NONE ? poolingTasks(pooling)
                : model.hasDecoder() && !model.hasEncoder() ? Set.of("generate") : Set.of();
        EncodeQueue encodeQueue = null;
        InProcessClient inProcess = new InProcessClient(model, context, args, maxModelLen, lora);
        if (pooling != PoolingType.NONE) {
            encodeQueue = new EncodeQueue(inProcess, context.microBatchSize(), context.maxSequences());
        }
        this.encoder = new Encoder(tokenizer, maxModelLen, supportedTasks, args.model().getFileName().toString(), encodeQueue);
        int replicas = args.parallel().dataParallelSize();
        this.client = replicas == 1 ? inProcess
                : new DataParallelClient(inProcess, () -> ReplicaLoader.startCore(args, executor.placement()), replicas);
        this.outputs = new OutputProcessor(vocab, client::abortRequests);
        this.telemetry = new EngineTelemetry(observability, args.model().getFileName().toString());
        outputs.setStatLogger(telemetry.loggers);
        this.control = new ControlPlane(client, telemetry, this::errored, this::deadError, outputs::liveRequestCount);
        client.setOutputSink(outputs::enqueue);
        // a lost worker took part of the model with it: end the engine now, before a step reaches the dead server
        executor.onFailure(cause -> {
            inProcess.abandon(cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
            outputs.enqueue(cause); // live requests fail now, even if a step waits on the lost worker for good
        });
    }

    /** Loads the model, creates its context and starts the engine and output threads. */
    public static AsyncLLM fromEngineArgs(EngineArgs args) {
        return fromEngineArgs(args, EngineObservability.defaults());
    }

    /** As {@link #fromEngineArgs(EngineArgs)}, reporting metrics, stats, traces and profiles as {@code observability} says. */
    public static AsyncLLM fromEngineArgs(EngineArgs args, EngineObservability observability) {
        Executor executor = ReplicaLoader.executor(args);
        ReplicaLoader.Replica replica = null;
        try {
            replica = ReplicaLoader.load(args, executor.placement());
            return new AsyncLLM(args, replica.model(), replica.context(), replica.maxModelLen(),
                    observability == null ? EngineObservability.defaults() : observability,
                    args.enableLora() ? loraRuntime(replica.model(), args) : null, executor);
        } catch (RuntimeException e) {
            if (replica != null) {
                replica.model().close();
            }
            executor.close();
            throw e;
        }
    }

    /** The LoRA module's runtime for this model, found as a service so the engine does not depend on it. */
    private static LoraRuntime loraRuntime(Model model, EngineArgs args) {
        LoraRuntimeProvider provider = ServiceLoader.load(LoraRuntimeProvider.class, AsyncLLM.class.getClassLoader())
                .findFirst().orElseThrow(() -> new InvalidRequestException("enable_lora", true,
                        "enable_lora needs the panllama-lora-adapters module on the class or module path"));
        return provider.create(model, args.maxLoras(), args.maxCpuLoras(), args.loraAllowedDirs());
    }

    private static Set<String> poolingTasks(PoolingType pooling) {
        return pooling == PoolingType.RANK ? Set.of("score") : Set.of("embed");
    }

    /** Encodes with default options; see {@link #encode(Prompt, PoolingParams, String, GenerateOptions)}. */
    public PoolingRequestStream encode(Prompt prompt, PoolingParams params, String requestId) {
        return encode(prompt, params, requestId, GenerateOptions.defaults());
    }

    /**
     * Submits a pooling request (vLLM's {@code encode}): the prompt's embedding, or a reranker's score. Requests
     * are batched on the engine thread with whatever other pooling requests are waiting.
     *
     * @throws UnsupportedTaskException when the model cannot do the task (e.g. a generative model, or score on an
     *                                  embedding model)
     * @throws InvalidRequestException  for an empty prompt, one longer than the model's context without
     *                                  truncate_prompt_tokens, or another invalid field
     * @throws EngineDeadException      when the engine has died or was shut down
     */
    public PoolingRequestStream encode(Prompt prompt, PoolingParams params, String requestId, GenerateOptions options) {
        checkHealth();
        return encoder.encode(prompt, params == null ? PoolingParams.defaults() : params, requestId,
                options == null ? GenerateOptions.defaults() : options);
    }

    /** Generates from a prompt with default options; see {@link #generate(Prompt, SamplingParams, String, GenerateOptions)}. */
    public RequestStream generate(Prompt prompt, SamplingParams params, String requestId) {
        return generate(prompt, params, requestId, GenerateOptions.defaults());
    }

    /**
     * Submits a request and returns its output stream at once.
     *
     * @param requestId the caller's id; several live requests may share one (abort then reaches all of them)
     * @throws InvalidRequestException naming the field, for any invalid input (the engine is unaffected)
     * @throws EngineDeadException     when the engine has died or was shut down
     */
    public RequestStream generate(Prompt prompt, SamplingParams params, String requestId, GenerateOptions options) {
        checkHealth();
        if (requestId == null || requestId.isEmpty()) {
            throw new InvalidRequestException("request_id", requestId, "request_id must be a non-empty string");
        }
        if (params == null) {
            throw new InvalidRequestException("sampling_params", null, "sampling_params is required");
        }
        options = options == null ? GenerateOptions.defaults() : options;
        if (options.loraRequest() != null) {
            if (lora == null) {
                throw new LoraNotEnabledException(options.loraRequest());
            }
            lora.validate(options.loraRequest());
        }
        if (options.dataParallelRank() != null
                && (options.dataParallelRank() < 0 || options.dataParallelRank() >= client.dataParallelSize())) {
            throw new InvalidRequestException("data_parallel_rank", options.dataParallelRank(),
                    "data_parallel_rank " + options.dataParallelRank() + " is out of range [0, " + client.dataParallelSize() + ")");
        }
        if (!supportedTasks.contains("generate")) {
            throw new InvalidRequestException("prompt", null, "This model does not support generation");
        }
        params.checkAgainst(tokenizer.vocabSize(), args.maxLogprobs());
        InputProcessor.Processed processed = inputs.process(prompt, params, options);
        return submit(requestId, processed.tokens(), processed.text(), params, options);
    }

    /** Submits pre-tokenized input (vLLM's {@code add_request} with token ids). */
    public RequestStream addRequest(String requestId, int[] promptTokenIds, SamplingParams params, GenerateOptions options) {
        return generate(Prompt.tokens(promptTokenIds), params, requestId, options);
    }

    private RequestStream submit(String externalId, int[] tokens, String text, SamplingParams params, GenerateOptions options) {
        String internalId = externalId + "-" + randomSuffix();
        int n = params.n();
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(n == 1 ? internalId : i + "_" + internalId);
        }
        Instant arrival = options.arrivalTime() != null ? options.arrivalTime() : Instant.now();
        List<Integer> promptIds = java.util.Arrays.stream(tokens).boxed().toList();
        RequestOutputCollector collector = outputs.register(externalId, text, promptIds, params, ids, arrival);
        long order = arrivalOrder(options.arrivalTime());
        Long baseSeed = params.seed() != null ? params.seed() : args.seed();
        long randomSeed = random.nextInt() & 0xFFFFFFFFL;
        int maxTokens = params.maxTokens() != null ? params.maxTokens() : maxModelLen - tokens.length;
        // children of one request share the prompt: the first computes it, the rest take its KV cells
        String promptGroup = n > 1 && params.promptLogprobs() == null ? internalId : null;
        telemetry.registerTrace(ids, options.traceHeaders());
        for (int i = 0; i < n; i++) {
            SamplingParams child = n == 1 ? params : params.forChild(i);
            long seed = baseSeed != null ? baseSeed + i : randomSeed + i;
            client.addRequest(new EngineRequest(ids.get(i), tokens, child, options.priority(), order, seed, promptGroup, maxTokens,
                    options.cacheSalt(), options.loraRequest()), options.dataParallelRank());
        }
        return new RequestStream(externalId, collector, () -> client.abortRequests(outputs.abort(ids, true)));
    }

    /** Arrival order for scheduling: wall-clock microseconds, with submission order breaking ties. */
    private long arrivalOrder(Instant arrival) {
        Instant at = arrival != null ? arrival : Instant.now();
        long micros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1000;
        return micros * 1024 + (arrivals.incrementAndGet() & 1023);
    }

    private String randomSuffix() {
        StringBuilder s = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            s.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
        }
        return s.toString();
    }

    /**
     * Aborts every live request with these external ids (all completions of n > 1 requests). Each gets a final
     * output with finish reason abort and what it produced so far. Unknown or finished ids are ignored.
     */
    public void abort(Collection<String> requestIds) {
        List<String> internal = outputs.abort(requestIds, false);
        client.abortRequests(internal);
        encoder.abort(requestIds);
    }

    public void abort(String... requestIds) {
        abort(List.of(requestIds));
    }

    /**
     * Loads and registers an adapter ahead of the requests that use it; true also when it was registered. Loads
     * before it evicts, so a bad file evicts nothing. Fails with the LoRA module's typed errors (bad file, path
     * outside the allowed directories, every registry slot pinned) or when LoRA is not enabled.
     */
    public CompletableFuture<Boolean> addLora(LoraRequest request) {
        if (request == null) {
            return CompletableFuture.failedFuture(new InvalidRequestException("lora_request", null, "lora_request is required"));
        }
        if (lora != null) {
            try {
                lora.validate(request); // file checks on this thread, not the engine's
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return loraCall(l -> l.add(request));
    }

    /**
     * Unregisters an adapter, pinned or not; false for unknown ids. Requests already running with it finish with
     * it (its memory goes when the last of them ends); later requests naming it load it again from their path.
     */
    public CompletableFuture<Boolean> removeLora(int loraId) {
        return loraCall(l -> l.remove(loraId));
    }

    /** Keeps an adapter loaded whatever the LRU says; unknown ids and a full set of pins fail with typed errors. */
    public CompletableFuture<Boolean> pinLora(int loraId) {
        return loraCall(l -> l.pin(loraId));
    }

    /** Ids of the registered adapters, pinned or not. */
    public CompletableFuture<Set<Integer>> listLoras() {
        return loraCall(LoraRuntime::list);
    }

    private <T> CompletableFuture<T> loraCall(java.util.function.Function<LoraRuntime, T> call) {
        if (lora == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "LoRA is not enabled: build the engine with EngineArgs.builder().enableLora(true)"));
        }
        if (errored()) {
            return CompletableFuture.failedFuture(deadError());
        }
        return client.loraCall(call);
    }

    public Tokenizer getTokenizer() {
        return tokenizer;
    }

    /** "generate" for generative models; "embed" for embedding models and "score" for rerankers (both via encode()). */
    public Set<String> getSupportedTasks() {
        return supportedTasks;
    }

    public EngineArgs engineArgs() {
        return args;
    }

    public int maxModelLen() {
        return maxModelLen;
    }

    /** The engine's queues, slots, KV and samplers, read between steps. */
    public CompletableFuture<EngineSnapshot> engineSnapshot() {
        return client.snapshot();
    }

    /**
     * Empties the prefix cache (vLLM's reset_prefix_cache). Completes with false, changing nothing, while requests
     * hold KV; with {@code resetRunningRequests} those are preempted first (they recompute later, with the same
     * outputs) and the reset succeeds.
     */
    public CompletableFuture<Boolean> resetPrefixCache(boolean resetRunningRequests) {
        checkHealth();
        return client.resetPrefixCache(resetRunningRequests);
    }

    /** Requests whose outputs are still open on the caller side. */
    public int liveRequestCount() {
        return outputs.liveRequestCount();
    }

    /** Called on the output thread after every engine step. */
    public void addStepListener(Consumer<StepStats> listener) {
        outputs.addStepListener(listener);
    }

    public boolean errored() {
        return shutdown.get() || client.deathCause() != null || outputs.deadError() != null || executor.failure() != null;
    }

    public boolean isRunning() {
        return !errored();
    }

    public boolean isStopped() {
        return errored();
    }

    /** A new exception describing why the engine is dead. */
    public EngineDeadException deadError() {
        Throwable cause = executor.failure() != null ? executor.failure() : client.deathCause();
        return cause == null ? new EngineDeadException("EngineCore encountered an issue. See stack trace (above) for the root cause.")
                : new EngineDeadException("EngineCore encountered an issue: " + cause.getMessage(), cause);
    }

    /** Throws {@link EngineDeadException} if the engine is dead or shut down; a local check only. */
    public void checkHealth() {
        if (errored()) {
            throw deadError();
        }
    }

    /**
     * Stops the engine: live requests end with {@link EngineDeadException}, native memory is freed, the engine and
     * output threads end. Idempotent.
     */
    public void shutdown() {
        if (!shutdown.compareAndSet(false, true)) {
            return;
        }
        // after a lost worker the engine thread may wait on it for good: do not wait long for it to end
        client.shutdown(executor.failure() != null ? Duration.ofMillis(200) : Duration.ofSeconds(10));
        outputs.shutdown(new EngineDeadException("the engine was shut down"));
        if (frontendVocab != null) {
            frontendVocab.close();
        }
        executor.close();
    }

    @Override
    public void close() {
        shutdown();
    }

    /**
     * Pauses generation (vLLM's {@code pause_generation}): the future completes once the mode's condition holds and
     * the outputs it caused were delivered. Requests sent while paused are queued and can be aborted.
     */
    public CompletableFuture<Void> pauseGeneration(PauseMode mode, boolean clearCache) {
        return control.pauseGeneration(mode, clearCache);
    }

    /** The older form: waiting for in-flight requests means {@link PauseMode#WAIT}, else {@link PauseMode#ABORT}. */
    public CompletableFuture<Void> pauseGeneration(boolean waitForInflightRequests, boolean clearCache) {
        return pauseGeneration(PauseMode.fromWaitForInflightRequests(waitForInflightRequests), clearCache);
    }

    /** Resumes scheduling; a no-op when not paused. A sleeping engine stays asleep. */
    public CompletableFuture<Void> resumeGeneration() {
        return control.resumeGeneration();
    }

    public CompletableFuture<Boolean> isPaused() {
        return control.isPaused();
    }

    public CompletableFuture<Void> sleep(int level) {
        return control.sleep(level);
    }

    public CompletableFuture<Void> wakeUp(SleepTag... tags) {
        return control.wakeUp(tags);
    }

    public CompletableFuture<Boolean> isSleeping() {
        return control.isSleeping();
    }

    public CompletableFuture<Void> waitForRequestsToDrain(Duration timeout) {
        return control.waitForRequestsToDrain(timeout);
    }

    /** Logs the one-line stats summary and returns it (null when console stats are off). */
    public String doLogStats() {
        return control.doLogStats();
    }

    /** The engine's meters in the Prometheus text format. */
    public String scrapePrometheus() {
        return control.scrapePrometheus();
    }

    public boolean isTracingEnabled() {
        return control.isTracingEnabled();
    }

    /** Where the engine's meters are registered. */
    public MeterRegistry meterRegistry() {
        return control.meterRegistry();
    }

    /** Starts a JFR recording and an engine step trace; see {@link ProfileResult}. */
    public void startProfile(String profilePrefix) {
        control.startProfile(profilePrefix);
    }

    /** Stops the profile and writes its files to the configured profile directory. */
    public ProfileResult stopProfile() {
        return control.stopProfile();
    }

    /**
     * Waits up to {@code drainTimeout} for in-flight requests to finish, aborts whatever is left (each gets a final
     * abort output) and shuts down. {@link Duration#ZERO} aborts at once.
     */
    public void shutdown(Duration drainTimeout) {
        if (!shutdown.get() && !errored()) {
            control.drainOrAbort(drainTimeout);
        }
        shutdown();
    }

    /** Package-private test hook: how many decodes pooling requests have taken (fewer than requests when batched). */
    long encodeBatchesRun() {
        return encoder.batchesRun();
    }

    /**
     * Calls a worker method by name on every worker of the engine (rank 0's workers under data parallelism) and
     * completes with one result per worker, in rank order; vLLM's {@code collective_rpc}. Failures:
     * {@link WorkerTimeoutException} past {@code timeout} (null = no limit), {@link UnknownWorkerMethodException},
     * otherwise a {@link WorkerCallException} naming the worker's rank and its own message.
     */
    public CompletableFuture<List<Object>> collectiveRpc(String method, Duration timeout, List<?> args, Map<String, ?> kwargs) {
        checkHealth();
        return executor.collectiveRpc(method, timeout, args == null ? List.of() : new ArrayList<>(args),
                kwargs == null ? Map.of() : new LinkedHashMap<>(kwargs));
    }

    /** Runs a Java function on every in-process worker, in rank order (remote workers answer only named methods). */
    public <T> CompletableFuture<List<T>> collectiveRpc(WorkerFunction<T> function, Duration timeout) {
        checkHealth();
        return executor.collectiveRpc(function, timeout);
    }

    /**
     * Changes the number of data-parallel engine cores (vLLM's {@code scale_elastic_ep}): new cores load their own
     * model and take requests at once; removed ones (the highest ranks) first finish what they run. No request
     * fails because of it. Needs an engine started with data_parallel_size > 1; the same size returns at once.
     *
     * @throws DrainTimeoutException when removed cores still run requests at the timeout
     */
    public void scaleElasticEp(int newDataParallelSize, Duration drainTimeout) {
        checkHealth();
        if (client instanceof DataParallelClient dataParallel) {
            dataParallel.scale(newDataParallelSize, drainTimeout);
        } else if (newDataParallelSize != 1) {
            throw new InvalidRequestException("new_data_parallel_size", newDataParallelSize, "this engine runs one core;"
                    + " start it with data_parallel_size >= 2 to scale data parallelism");
        }
    }

    /** Engine cores serving requests now. */
    public int dataParallelSize() {
        return client.dataParallelSize();
    }

    /** Package-private test hook: the in-process client, to inject an engine failure. */
    EngineCoreClient engineCoreClient() {
        return client;
    }
}
