package dev.panllama.benchmarks;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestMetrics;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.core.StepStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decode rates measured through panllama's public API only: requests go in through {@link AsyncLLM#generate}, greedy
 * with {@code ignore_eos}, and the rates come from the engine's per-token timestamps in {@link RequestMetrics}, so
 * prefill is excluded as llama.cpp's tools exclude it.
 */
public final class PanllamaBench implements AutoCloseable {
    /** Ordinary English text; its tokens are repeated to make prompts of any length. */
    private static final String PROMPT_TEXT = "Once upon a time, there was a little girl who liked to walk in the park "
            + "with her dog. One day they found a big red ball under a tree, and they played until the sun went down.";

    private static final long WARM_UP_NANOS = 3_000_000_000L;

    private final AsyncLLM engine;
    private final List<Integer> promptSource;
    private final AtomicLong requestCounter = new AtomicLong();
    /** The engine's step stats while a measurement runs, for {@link #lastAnatomy}. */
    private final Queue<StepStats> recordedSteps = new ConcurrentLinkedQueue<>();
    private volatile boolean recording;
    private volatile StepAnatomy lastAnatomy;

    private PanllamaBench(AsyncLLM engine) {
        this.engine = engine;
        this.promptSource = engine.getTokenizer().encode(PROMPT_TEXT, false);
        engine.addStepListener(stats -> {
            if (recording) {
                recordedSteps.add(stats);
            }
        });
    }

    /** Where the steps of the last measurement spent their time; null when no step decoded every stream alone. */
    public StepAnatomy lastAnatomy() {
        return lastAnatomy;
    }

    private void startRecording() {
        recordedSteps.clear();
        recording = true;
    }

    /**
     * Step stats reach listeners from the output thread just after the outputs they came with: wait for the step that
     * left nothing running (the one that produced the last tokens) before reading them.
     */
    private void stopRecording(int streams) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (recordedSteps.stream().noneMatch(s -> s.nanos() > 0 && s.running() == 0 && s.waiting() == 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        recording = false;
        lastAnatomy = StepAnatomy.of(streams, recordedSteps);
    }

    /**
     * An engine configured as llama-bench's context is: one sequence, a KV cache just big enough for the one-token
     * prompt and {@code tokens} outputs.
     */
    public static PanllamaBench forSingleStream(Path model, int tokens, int threads, boolean gpu) {
        return forSingleStream(model, tokens, threads, gpu, null);
    }

    /** As {@link #forSingleStream(Path, int, int, boolean)}, choosing in-graph greedy sampling (null = the engine's default). */
    public static PanllamaBench forSingleStream(Path model, int tokens, int threads, boolean gpu, Boolean deviceSampling) {
        EngineArgs args = offload(EngineArgs.builder(), gpu).model(model).threads(threads).deviceSampling(deviceSampling)
                .maxNumSeqs(1).maxModelLen(tokens + 2).kvCacheTokens(tokens + 2)
                // llama-bench has no prefix cache: without one a single-sequence engine keeps a plain KV cache too
                .enablePrefixCaching(false).build();
        return start(args, bench -> bench.singleStreamDecode(tokens));
    }

    /**
     * An engine configured as llama-batched-bench's context is for this workload: as many sequences as the widest
     * run, a KV cache of {@link Workload#contextTokens()} cells, {@link Workload#batchTokens()} per step, in the KV
     * layout {@code kv} (a pinned view gets one cell more for the pin, so the workload keeps all of its cells);
     * {@code deviceSampling} chooses in-graph greedy sampling (null = the engine's default).
     */
    public static PanllamaBench forConcurrency(Path model, Workload w, int threads, boolean gpu, Boolean deviceSampling,
                                               KvLayout kv) {
        EngineArgs args = offload(EngineArgs.builder(), gpu).model(model).threads(threads).deviceSampling(deviceSampling)
                .pinKvView(kv.pinKvView()).kvUnified(kv.unified())
                .maxNumSeqs(w.maxStreams()).kvCacheTokens(w.contextTokens() + (kv.pinKvView() ? 1 : 0))
                .maxNumBatchedTokens(w.batchTokens())
                .maxModelLen(w.promptTokens() + w.generatedTokens())
                // llama-batched-bench keeps no cache between runs: cached blocks would hold cells that every later
                // decode's attention spans (on stories260K attention is most of a token), measuring the cache, not decode
                .enablePrefixCaching(false)
                .build();
        return start(args, bench -> bench.concurrentDecode(w.maxStreams(), w.promptTokens(), w.generatedTokens()));
    }

    /** On a GPU: every layer offloaded and flash attention on, as the reference tools are run there. */
    private static EngineArgs.Builder offload(EngineArgs.Builder builder, boolean gpu) {
        return gpu ? builder.nGpuLayers(-1).flashAttention(dev.panllama.engine.nativeapi.ContextParams.FlashAttention.ENABLED)
                : builder;
    }

    /** A measurement to repeat while warming up. */
    private interface Exercise {
        void run(PanllamaBench bench) throws InterruptedException;
    }

    private static PanllamaBench start(EngineArgs args, Exercise warmUp) {
        PanllamaBench bench = new PanllamaBench(AsyncLLM.fromEngineArgs(args));
        JvmSettling.warmUpAndSettle(() -> bench.warmUp(warmUp), bench::close);
        return bench;
    }

    /**
     * Takes the first-use costs out of the measurements, as llama-bench's warm-up run does for llama.cpp: graph
     * allocation and page faults of the weights, and here also the JIT, which compiles the per-token path only after
     * some thousands of tokens. Repeats the engine's own measurement for at least {@link #WARM_UP_NANOS}; the JVM
     * settles after it ({@link JvmSettling}).
     */
    private void warmUp(Exercise exercise) throws InterruptedException {
        long start = System.nanoTime();
        do {
            exercise.run(this);
        } while (System.nanoTime() - start < WARM_UP_NANOS);
    }

    /**
     * One stream's decode rate in tokens/s (llama-bench tg): a one-token prompt and {@code tokens} + 1 outputs, i.e.
     * {@code tokens} + 1 single-token decodes, over the time from the engine scheduling the request to the output
     * thread seeing the last token. The one-token prompt costs what a decode step costs, and starting at the engine's
     * own timestamp keeps a late-waking output thread from shortening the interval: any error is against panllama.
     */
    public double singleStreamDecode(int tokens) throws InterruptedException {
        startRecording();
        RequestOutput last = generate(prompt(1, 0), tokens + 1).finalOutput();
        RequestMetrics m = requireMetrics(last);
        stopRecording(1);
        if (m.scheduledAtNanos() == null) {
            throw new IllegalStateException("request " + last.requestId() + " carries no scheduling timestamp: " + m);
        }
        long nanos = m.lastTokenAtNanos() - m.scheduledAtNanos();
        return m.numGenerationTokens() * 1e9 / nanos;
    }

    /**
     * Aggregate generation rate of {@code streams} concurrent requests in tokens/s, each with its own prompt of
     * {@code promptTokens} tokens and {@code generatedTokens} outputs (llama-batched-bench S_TG). Counted over the
     * window in which every stream is decoding: from the last stream's first token to the first stream's last token.
     */
    public double concurrentDecode(int streams, int promptTokens, int generatedTokens) throws InterruptedException {
        startRecording();
        List<RequestStream> submitted = new ArrayList<>(streams);
        for (int i = 0; i < streams; i++) {
            submitted.add(generate(prompt(promptTokens, i * 7), generatedTokens));
        }
        List<Future<TokenTimeline>> timelines = new ArrayList<>(streams);
        try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (RequestStream stream : submitted) {
                timelines.add(readers.submit(() -> TokenTimeline.read(stream)));
            }
        }
        List<TokenTimeline> read = new ArrayList<>(streams);
        for (Future<TokenTimeline> f : timelines) {
            try {
                read.add(f.get());
            } catch (ExecutionException e) {
                throw new IllegalStateException("a benchmark stream failed", e.getCause());
            }
        }
        stopRecording(streams);
        return TokenTimeline.aggregateRate(read);
    }

    private RequestStream generate(Prompt prompt, int maxTokens) {
        SamplingParams params = SamplingParams.builder().temperature(0).ignoreEos(true).maxTokens(maxTokens).build();
        return engine.generate(prompt, params, "bench-" + requestCounter.incrementAndGet());
    }

    /** {@code length} tokens of the sample text starting at {@code offset}, wrapping around: distinct per stream. */
    private Prompt prompt(int length, int offset) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = promptSource.get((offset + i) % promptSource.size());
        }
        return Prompt.tokens(ids);
    }

    static RequestMetrics requireMetrics(RequestOutput output) {
        RequestMetrics m = output.metrics();
        if (m == null || m.firstTokenAtNanos() == null || m.lastTokenAtNanos() == null || m.numGenerationTokens() < 2) {
            throw new IllegalStateException("request " + output.requestId() + " carries no token timestamps: " + m);
        }
        return m;
    }

    @Override
    public void close() {
        engine.shutdown();
    }
}
