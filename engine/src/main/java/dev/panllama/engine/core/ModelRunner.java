package dev.panllama.engine.core;

import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.nativeapi.Batch;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.LogitsRow;
import dev.panllama.engine.nativeapi.SamplerChain;
import dev.panllama.engine.nativeapi.Vocab;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a step's chunks into one {@code llama_batch}, decodes it, and samples the next token of every request
 * whose chunk reached its end, each with its own sampler chain. Owned by the engine thread.
 */
final class ModelRunner implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelRunner.class);
    private Context context;
    private Vocab vocab;
    private final int batchCapacity;
    /** Logits a step's plain greedy rows must hold together before they are scanned on several threads. */
    private static final long PARALLEL_ARGMAX_FLOATS = 1 << 20;
    /**
     * Whether greedy requests may have their tokens picked inside the decode graph (see {@link #pickedOnDevice}); turned
     * off for good when llama.cpp declines (a backend without the ops), so that it is not asked again every step.
     */
    private boolean deviceSampling;
    /** Made on the engine thread at the first step: a batch's arena is confined to the thread that uses it. */
    private Batch batch;
    /** The vocabulary's end-of-generation tokens, ascending. */
    private final int[] eogTokens;
    private final Map<String, RequestSampling> sampling = new HashMap<>();
    private static final Comparator<ScheduledChunk> IN_SLOT_ORDER = Comparator.comparingInt(c -> c.request().slot());
    /** Time split of the last {@link #execute}, for step stats and profiles. */
    private long lastDecodeNanos;
    private long lastSampleNanos;
    private long lastDecodeCallNanos;
    private boolean lastGraphReused;

    /** One sampled token, with its logprobs when the request asked for them. */
    record Sampled(EngineRequest request, int token, TokenLogprobs logprobs) {}

    /**
     * A request's sampling state: its chain (RNG, top-k/p...), the Java-side logits processing, and whether it is
     * plain greedy (greedy, and nothing reads or changes its logits: no logprobs, penalties, bias or masks).
     */
    private record RequestSampling(SamplerChain chain, RequestLogitsProcessor processor, TokenLogprobs[] promptLogprobs,
                                   boolean plainGreedy) {
        /** A greedy request has no native chain (null): sampling is an argmax over its row. */
        void close() {
            if (chain != null) {
                chain.close();
            }
        }
    }

    ModelRunner(Context context, int batchCapacity, boolean deviceSampling) {
        this.context = context;
        this.vocab = context.model().vocab();
        this.batchCapacity = batchCapacity;
        this.deviceSampling = deviceSampling;
        this.eogTokens = java.util.stream.IntStream.range(0, vocab.tokenCount()).filter(vocab::isEndOfGeneration).toArray();
    }

    /** Whether {@code token} ends generation: looked up in Java, not asked of llama.cpp once per token. */
    boolean isEndOfGeneration(int token) {
        return java.util.Arrays.binarySearch(eogTokens, token) >= 0;
    }

    /** Sleep mode recreated the context (and maybe reloaded the model): decode on the new one. */
    void rebind(Context fresh) {
        this.context = fresh;
        this.vocab = fresh.model().vocab();
    }

    /**
     * Decodes the chunks and samples; returns null when the KV cache had no room (nothing was computed).
     * {@code whileDeviceWorks} runs once the decode is submitted and before waiting for the device to finish it.
     */
    List<Sampled> execute(List<ScheduledChunk> chunks, Runnable whileDeviceWorks) {
        if (batch == null) {
            batch = new Batch(batchCapacity, 1);
        }
        batch.clear();
        if (!context.unifiedKv() && chunks.size() > 1) {
            // per-sequence streams: llama.cpp puts only consecutive sequence ids into one micro-batch, so a batch in
            // slot order runs as one pass over the weights where another order may split into several
            chunks = new ArrayList<>(chunks);
            chunks.sort(IN_SLOT_ORDER);
        }
        int n = chunks.size();
        int[] sampleAt = new int[n];
        // looked up once per chunk and step: the batch, the picks and the sampling below all need them
        RequestSampling[] states = new RequestSampling[n];
        boolean[] inGraph = new boolean[n];
        List<int[]> promptRows = new ArrayList<>(); // {chunk index, position, batch index}
        for (int c = 0; c < n; c++) {
            ScheduledChunk chunk = chunks.get(c);
            EngineRequest request = chunk.request();
            states[c] = samplingOf(request);
            if (deviceSampling) {
                // a no-op while the slot's kind of request stays the same, which is what keeps llama.cpp's graph
                boolean wanted = pickedOnDevice(states[c], request);
                if (context.setDeviceGreedy(request.slot(), wanted) != wanted) {
                    LOG.info("llama.cpp cannot pick tokens inside this model's decode graph: greedy tokens are picked on the host");
                    context.clearDeviceGreedy(0);
                    deviceSampling = false;
                    java.util.Arrays.fill(inGraph, false);
                } else {
                    inGraph[c] = wanted;
                }
            }
            boolean promptLogprobs = request.params().promptLogprobs() != null;
            int end = chunk.start() + chunk.count();
            for (int pos = chunk.start(); pos < end; pos++) {
                boolean last = pos == request.totalLength() - 1;
                boolean promptRow = promptLogprobs && pos < request.promptLength() - 1;
                int index = batch.add(request.tokenAt(pos), pos, request.slot(), last || promptRow);
                if (promptRow) {
                    promptRows.add(new int[] {c, pos, index});
                }
                if (last) {
                    sampleAt[c] = index;
                }
            }
        }
        // asked around this decode, not carried between steps: other decodes (encode jobs) run on the context too
        int reusesBefore = context.graphReuses();
        long decodeStart = System.nanoTime();
        boolean decoded = context.decode(batch);
        lastDecodeCallNanos = System.nanoTime() - decodeStart;
        if (decoded) {
            whileDeviceWorks.run();
            // a GPU decode returns before the device is done: wait here so decode time includes the device's share
            context.synchronize();
        }
        long sampleStart = System.nanoTime();
        lastDecodeNanos = sampleStart - decodeStart;
        lastSampleNanos = 0;
        lastGraphReused = decoded && context.graphReuses() > reusesBefore;
        if (!decoded) {
            return null;
        }
        for (int[] row : promptRows) {
            EngineRequest request = chunks.get(row[0]).request();
            int k = request.params().promptLogprobs();
            // indexed by position, so a prompt recomputed after preemption overwrites instead of repeating
            states[row[0]].promptLogprobs()[row[1] + 1] = TokenLogprobs.of(context.logits(row[2]), request.tokenAt(row[1] + 1), k);
        }
        int[] picked = greedyPicks(chunks, sampleAt, states, inGraph);
        List<Sampled> sampled = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            ScheduledChunk chunk = chunks.get(c);
            if (!chunk.samples()) {
                continue;
            }
            EngineRequest request = chunk.request();
            if (inGraph[c]) {
                sampled.add(new Sampled(request, context.deviceSampledToken(sampleAt[c]), null));
                continue;
            }
            if (picked[c] >= 0) {
                sampled.add(new Sampled(request, picked[c], null));
                continue;
            }
            // left: sampler chains, and greedy requests whose logits are processed or reported
            RequestSampling s = states[c];
            Integer logprobs = request.params().logprobs();
            LogitsRow row = s.processor() != null || logprobs != null || s.chain() == null
                    ? context.logitsRow(sampleAt[c]) : null;
            float[] raw = logprobs != null ? row.toArray() : null;
            if (s.processor() != null) {
                s.processor().apply(row, request);
            }
            // greedy needs no native sampler: the argmax of the (processed) row is what llama.cpp's greedy picks
            int token = s.chain() == null ? row.argmax() : s.chain().sample(context, sampleAt[c]);
            if (s.processor() != null) {
                s.processor().accept(token);
            }
            sampled.add(new Sampled(request, token, raw == null ? null : TokenLogprobs.of(raw, token, logprobs)));
        }
        lastSampleNanos = System.nanoTime() - sampleStart;
        return sampled;
    }

    /**
     * The argmax of every plain greedy row of the step that was not picked in the graph: entry {@code c} is chunk c's
     * token, or -1 when chunk c is not one of them. The rows are scanned on the common pool's threads when they are
     * big enough together to pay for handing them out (32 rows of a 128k vocabulary: 16 MB, milliseconds on one core,
     * while a GPU or the CPU's other cores wait for the next step), else in order on this thread.
     */
    private int[] greedyPicks(List<ScheduledChunk> chunks, int[] sampleAt, RequestSampling[] states, boolean[] inGraph) {
        int[] picked = new int[chunks.size()];
        java.util.Arrays.fill(picked, -1);
        int[] plain = new int[chunks.size()];
        int count = 0;
        for (int c = 0; c < chunks.size(); c++) {
            if (chunks.get(c).samples() && !inGraph[c] && states[c].plainGreedy()) {
                plain[count++] = c;
            }
        }
        LogitsRow[] rows = new LogitsRow[count];
        for (int i = 0; i < count; i++) {
            rows[i] = context.logitsRow(sampleAt[plain[i]]);
        }
        java.util.stream.IntStream scans = java.util.stream.IntStream.range(0, count);
        boolean wide = count > 1 && (long) count * vocab.tokenCount() >= PARALLEL_ARGMAX_FLOATS;
        (wide ? scans.parallel() : scans).forEach(i -> picked[plain[i]] = rows[i].argmax());
        return picked;
    }

    /**
     * A plain greedy request without prompt logprobs can have its token picked inside the graph: the argmax then runs
     * where the logits are, and only the token comes back.
     */
    private static boolean pickedOnDevice(RequestSampling s, EngineRequest request) {
        return s.plainGreedy() && request.params().promptLogprobs() == null;
    }

    /** Prompt logprobs gathered so far (entry 0 is null, as the first token has no context). */
    List<TokenLogprobs> takePromptLogprobs(EngineRequest request) {
        RequestSampling s = sampling.get(request.id());
        if (s == null || request.params().promptLogprobs() == null) {
            return null;
        }
        return java.util.Arrays.asList(s.promptLogprobs().clone());
    }

    private RequestSampling samplingOf(EngineRequest request) {
        return sampling.computeIfAbsent(request.id(), id -> {
            SamplingParams p = request.params();
            SamplerChain chain = p.isGreedy() ? null : SamplerChain.builder()
                    .topK(p.topK()).topP((float) p.topP()).minP((float) p.minP()).temperature((float) p.temperature())
                    .seed(request.seed()).build();
            RequestLogitsProcessor processor = RequestLogitsProcessor.isNoop(p) ? null
                    : new RequestLogitsProcessor(p, request.promptTokens(), vocab, eogTokens);
            TokenLogprobs[] promptLogprobs = p.promptLogprobs() == null ? null : new TokenLogprobs[request.promptLength()];
            return new RequestSampling(chain, processor, promptLogprobs, chain == null && processor == null && p.logprobs() == null);
        });
    }

    /**
     * llama.cpp builds every attached sampler into each decode graph, for idle sequences too: once nothing runs, all
     * but the first slot's go, and wider loads attach theirs again (a graph re-plan, paid at their first step). The
     * first slot keeps its sampler because one request at a time always gets it (slots are handed out lowest first):
     * a re-plan per request would cost every request of a chat or a single-stream client milliseconds.
     */
    void dropDeviceSamplers() {
        if (deviceSampling) {
            context.clearDeviceGreedy(1);
        }
    }

    /** Frees a finished or aborted request's sampler. */
    void release(EngineRequest request) {
        RequestSampling s = sampling.remove(request.id());
        if (s != null) {
            s.close();
        }
    }

    long lastDecodeNanos() {
        return lastDecodeNanos;
    }

    /** The part of the last decode until llama_decode returned (a GPU's host share), within {@link #lastDecodeNanos}. */
    long lastDecodeCallNanos() {
        return lastDecodeCallNanos;
    }

    long lastSampleNanos() {
        return lastSampleNanos;
    }

    boolean lastGraphReused() {
        return lastGraphReused;
    }

    int activeSamplers() {
        return sampling.size();
    }

    @Override
    public void close() {
        sampling.values().forEach(RequestSampling::close);
        sampling.clear();
        if (batch != null) {
            batch.close();
        }
    }
}
