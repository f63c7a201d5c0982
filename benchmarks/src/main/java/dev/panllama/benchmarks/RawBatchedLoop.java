package dev.panllama.benchmarks;

import dev.panllama.engine.nativeapi.BackendDevices;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * llama-batched-bench's generation phase driven through panllama's bindings from one Java thread, with no engine
 * around it: a context sized as the workload's, every stream's random prompt decoded, then steps of one random token
 * per stream, each with its output and {@code llama_synchronize}, timed step by step as the native batched loop times
 * them. With {@code devicePicks} every sequence picks its token inside the graph (the engine's default on a GPU) and
 * each step reads the picks back, as the engine does. Next to the native loop it tells what calling llama.cpp from the
 * JVM costs at this width; next to the engine, what the engine's threads and bookkeeping add.
 */
public final class RawBatchedLoop implements AutoCloseable {
    /** {@link NativeLoopSteps#loop} of this loop's measurements. */
    static final String LOOP = "raw batched (JVM)";
    /** The same loop picking tokens inside the graph. */
    static final String LOOP_WITH_PICKS = "raw batched, in-graph picks (JVM)";

    private final RawLoopNatives natives;
    private final Batch batch;
    private final Workload workload;
    private final boolean devicePicks;
    private final SplittableRandom random = new SplittableRandom(42);

    private RawBatchedLoop(RawLoopNatives natives, Workload workload, boolean devicePicks) {
        this.natives = natives;
        this.workload = workload;
        this.devicePicks = devicePicks;
        this.batch = new Batch(workload.batchTokens(), 1);
    }

    /** Whether the engine picks in the graph by default: with {@code gpu} on a build that offloads. */
    static boolean picksByDefault(boolean gpu) {
        return gpu && !BackendDevices.offloadDevices().isEmpty();
    }

    /**
     * Loads the model (every layer offloaded and flash attention on with {@code gpu}) and a context as
     * llama-batched-bench's for {@code w}: its KV cells, batch and micro-batch, a KV stream per sequence or with
     * {@code unifiedKv} one buffer; then runs the widest stream count once, as a warm-up for llama.cpp and the JIT.
     * {@code devicePicks} chooses in-graph picks; null picks where the engine's default does (with {@code gpu} on a build
     * that offloads).
     */
    public static RawBatchedLoop open(Path path, Workload w, int threads, boolean gpu, boolean unifiedKv, Boolean devicePicks) {
        boolean picks = devicePicks != null ? devicePicks : picksByDefault(gpu);
        RawBatchedLoop loop = new RawBatchedLoop(RawLoopNatives.open(path, gpu,
                flashAttention -> new ContextParams(w.contextTokens(), w.batchTokens(), w.microBatchTokens(), w.maxStreams(),
                        threads, 0, false, flashAttention, unifiedKv, "f16", null)), w, picks);
        JvmSettling.warmUpAndSettle(() -> {
            if (picks) {
                for (int seq = 0; seq < w.maxStreams(); seq++) {
                    if (!loop.natives.context().setDeviceGreedy(seq, true)) {
                        throw new IllegalStateException("llama.cpp declined in-graph picks for sequence " + seq);
                    }
                }
            }
            loop.run(w.maxStreams());
        }, loop::close);
        return loop;
    }

    /** One run at {@code streams} streams: its S_TG rate and how its generation steps were spread. */
    public NativeLoopSteps run(int streams) {
        if (streams < 1 || streams > workload.maxStreams()) {
            throw new IllegalArgumentException("streams must be 1.." + workload.maxStreams() + ", got " + streams);
        }
        int prompt = workload.promptTokens();
        int generated = workload.generatedTokens();
        Context context = natives.context();
        int vocab = natives.model().vocab().tokenCount();
        context.clearMemory();
        // all prompts in one batch (Workload#batchTokens holds them), with no outputs: only the generation phase is
        // timed, and no pick is wanted from them
        batch.clear();
        for (int seq = 0; seq < streams; seq++) {
            for (int pos = 0; pos < prompt; pos++) {
                batch.add(random.nextInt(vocab), pos, seq, false);
            }
        }
        decode(0);
        context.synchronize();
        double[] periods = new double[generated];
        double[] calls = new double[generated];
        int reused = 0;
        double newGraphSum = 0;
        long start = System.nanoTime();
        for (int step = 0; step < generated; step++) {
            batch.clear();
            for (int seq = 0; seq < streams; seq++) {
                batch.add(random.nextInt(vocab), prompt + step, seq, true);
            }
            int reusesBefore = context.graphReuses();
            long stepStart = System.nanoTime();
            decode(prompt + step);
            long returned = System.nanoTime();
            context.synchronize();
            if (devicePicks) {
                for (int i = 0; i < streams; i++) {
                    context.deviceSampledToken(i); // read back as the engine reads them; it throws for a missing pick
                }
            }
            long end = System.nanoTime();
            periods[step] = (end - stepStart) / 1e3;
            calls[step] = (returned - stepStart) / 1e3;
            if (context.graphReuses() > reusesBefore) {
                reused++;
            } else {
                newGraphSum += periods[step];
            }
        }
        double rate = (double) streams * generated * 1e9 / (System.nanoTime() - start);
        return new NativeLoopSteps(null, devicePicks ? LOOP_WITH_PICKS : LOOP, streams, rate, generated, Stats.median(periods),
                Stats.median(calls), Arrays.stream(periods).average().orElse(0), (double) reused / generated,
                reused == generated ? 0 : newGraphSum / (generated - reused));
    }

    private void decode(int position) {
        if (!natives.context().decode(batch)) {
            throw new IllegalStateException("the KV cache has no room for position " + position);
        }
    }

    @Override
    public void close() {
        batch.close();
        natives.close();
    }
}
