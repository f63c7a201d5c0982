package dev.panllama.engine;

import dev.panllama.engine.core.EngineCoreClient;
import dev.panllama.engine.core.EngineRequest;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.dp.DataParallelClient;
import dev.panllama.engine.nativeapi.ChatTemplate;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.output.OutputProcessor;
import dev.panllama.engine.output.RequestOutputCollector;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
    private final Executor executor;

    private AsyncLLM(EngineArgs args, Model model, Context context, int maxModelLen, Executor executor) {
        this.args = args;
        this.maxModelLen = maxModelLen;
        String template = args.chatTemplate() != null ? args.chatTemplate() : ChatTemplate.of(model);
        this.tokenizer = new Tokenizer(model.vocab(), template);
        this.inputs = new InputProcessor(tokenizer, maxModelLen);
        this.supportedTasks = model.hasDecoder() && !model.hasEncoder() ? Set.of("generate") : Set.of();
        this.executor = executor;
        InProcessClient inProcess = new InProcessClient(model, context, args, maxModelLen);
        int replicas = args.parallel().dataParallelSize();
        this.client = replicas == 1 ? inProcess
                : new DataParallelClient(inProcess, () -> ReplicaLoader.startCore(args, executor.placement()), replicas);
        this.outputs = new OutputProcessor(model.vocab(), client::abortRequests);
        client.setOutputSink(outputs::enqueue);
        // a lost worker took part of the model with it: end the engine now, before a step reaches the dead server
        executor.onFailure(cause -> {
            inProcess.abandon(cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
            outputs.enqueue(cause); // live requests fail now, even if a step waits on the lost worker for good
        });
    }

    /** Loads the model, creates its context and starts the engine and output threads. */
    public static AsyncLLM fromEngineArgs(EngineArgs args) {
        Executor executor = ReplicaLoader.executor(args);
        ReplicaLoader.Replica replica = null;
        try {
            replica = ReplicaLoader.load(args, executor.placement());
            return new AsyncLLM(args, replica.model(), replica.context(), replica.maxModelLen(), executor);
        } catch (RuntimeException e) {
            if (replica != null) {
                replica.model().close();
            }
            executor.close();
            throw e;
        }
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
            throw new LoraNotEnabledException(options.loraRequest());
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
        for (int i = 0; i < n; i++) {
            SamplingParams child = n == 1 ? params : params.forChild(i);
            long seed = baseSeed != null ? baseSeed + i : randomSeed + i;
            client.addRequest(new EngineRequest(ids.get(i), tokens, child, options.priority(), order, seed, promptGroup, maxTokens,
                    options.cacheSalt()), options.dataParallelRank());
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
    }

    public void abort(String... requestIds) {
        abort(List.of(requestIds));
    }

    public Tokenizer getTokenizer() {
        return tokenizer;
    }

    /** "generate" for decoder models; embedding tasks arrive with encode(). */
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
        executor.close();
    }

    @Override
    public void close() {
        shutdown();
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
     * @throws dev.panllama.engine.dp.DrainTimeoutException when removed cores still run requests at the timeout
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
