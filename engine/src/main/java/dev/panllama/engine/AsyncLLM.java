package dev.panllama.engine;

import dev.panllama.engine.core.EngineCoreClient;
import dev.panllama.engine.core.EngineRequest;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.core.StepStats;
import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.lora.LoraRuntimeProvider;
import dev.panllama.engine.nativeapi.ChatTemplate;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.output.OutputProcessor;
import dev.panllama.engine.output.RequestOutputCollector;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.ServiceLoader;
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
    /** Null unless the engine was built with LoRA enabled. */
    private final LoraRuntime lora;

    private AsyncLLM(EngineArgs args, Model model, Context context, int maxModelLen, LoraRuntime lora) {
        this.lora = lora;
        this.args = args;
        this.maxModelLen = maxModelLen;
        String template = args.chatTemplate() != null ? args.chatTemplate() : ChatTemplate.of(model);
        this.tokenizer = new Tokenizer(model.vocab(), template);
        this.inputs = new InputProcessor(tokenizer, maxModelLen);
        this.supportedTasks = model.hasDecoder() && !model.hasEncoder() ? Set.of("generate") : Set.of();
        InProcessClient inProcess = new InProcessClient(model, context, args, maxModelLen, lora);
        this.client = inProcess;
        this.outputs = new OutputProcessor(model.vocab(), client::abortRequests);
        inProcess.setOutputSink(outputs::enqueue);
    }

    /** Loads the model, creates its context and starts the engine and output threads. */
    public static AsyncLLM fromEngineArgs(EngineArgs args) {
        Model model = Model.load(args.model(), ModelParams.defaults().withGpuLayers(args.nGpuLayers()));
        try {
            int trained = model.trainingContextLength();
            int maxModelLen = args.maxModelLen() > 0 ? args.maxModelLen() : trained;
            if (args.maxModelLen() > 0 && trained > 0 && args.maxModelLen() > trained) {
                throw new InvalidRequestException("max_model_len", args.maxModelLen(), "max_model_len " + args.maxModelLen()
                        + " exceeds the model's training context of " + trained + " tokens");
            }
            int kvTokens = args.kvCacheTokens() > 0 ? args.kvCacheTokens()
                    : (int) Math.min((long) maxModelLen * args.maxNumSeqs(), Math.max(maxModelLen, EngineArgs.DEFAULT_MAX_KV_TOKENS));
            if (kvTokens < maxModelLen) {
                throw new InvalidRequestException("kv_cache_tokens", kvTokens, "the KV cache (" + kvTokens
                        + " tokens) must hold at least one request of max_model_len " + maxModelLen);
            }
            ContextParams params = new ContextParams(kvTokens, args.maxNumBatchedTokens(),
                    Math.min(512, args.maxNumBatchedTokens()), args.maxNumSeqs(), args.threads(), 0, false,
                    args.flashAttention(), true, args.kvCacheDtype());
            Context context = Context.create(model, params);
            return new AsyncLLM(args, model, context, maxModelLen, args.enableLora() ? loraRuntime(model, args) : null);
        } catch (RuntimeException e) {
            model.close();
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
        if (options.dataParallelRank() != null && options.dataParallelRank() != 0) {
            throw new InvalidRequestException("data_parallel_rank", options.dataParallelRank(),
                    "data_parallel_rank " + options.dataParallelRank() + " is out of range [0, 1)");
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
                    options.loraRequest()));
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

    /** Requests whose outputs are still open on the caller side. */
    public int liveRequestCount() {
        return outputs.liveRequestCount();
    }

    /** Called on the output thread after every engine step. */
    public void addStepListener(Consumer<StepStats> listener) {
        outputs.addStepListener(listener);
    }

    public boolean errored() {
        return shutdown.get() || client.deathCause() != null || outputs.deadError() != null;
    }

    public boolean isRunning() {
        return !errored();
    }

    public boolean isStopped() {
        return errored();
    }

    /** A new exception describing why the engine is dead. */
    public EngineDeadException deadError() {
        Throwable cause = client.deathCause();
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
        client.shutdown(Duration.ofSeconds(10));
        outputs.shutdown(new EngineDeadException("the engine was shut down"));
    }

    @Override
    public void close() {
        shutdown();
    }

    /** Package-private test hook: the in-process client, to inject an engine failure. */
    EngineCoreClient engineCoreClient() {
        return client;
    }
}
