package dev.panllama.engine;

import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.DevicePlacement;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
import dev.panllama.engine.nativeapi.PoolingType;
import dev.panllama.engine.workers.Executor;
import dev.panllama.engine.workers.LocalExecutor;
import dev.panllama.engine.workers.RemoteExecutor;
import dev.panllama.engine.workers.WorkerAuth;

/** Loads one model replica (model + context) as the engine arguments say, on the devices its executor offers. */
final class ReplicaLoader {
    private ReplicaLoader() {}

    /** A loaded model, its context, and the request length they serve. */
    record Replica(Model model, Context context, int maxModelLen) {}

    /** The executor for the arguments: remote workers when rpcWorkers are given, else this process's devices. */
    static Executor executor(EngineArgs args) {
        ParallelConfig parallel = args.parallel();
        if (parallel.rpcWorkers().isEmpty()) {
            return LocalExecutor.create(parallel.tensorParallelSize(), parallel.splitMode());
        }
        return RemoteExecutor.connect(parallel.rpcWorkers(), WorkerAuth.fromFile(parallel.workerTokenFile()), parallel.splitMode());
    }

    static Replica load(EngineArgs args, DevicePlacement placement) {
        Model model = Model.load(args.model(), ModelParams.defaults().withGpuLayers(args.nGpuLayers()), placement);
        try {
            int trained = model.trainingContextLength();
            int maxModelLen = args.maxModelLen() > 0 ? args.maxModelLen() : trained;
            if (args.maxModelLen() > 0 && trained > 0 && args.maxModelLen() > trained) {
                throw new InvalidRequestException("max_model_len", args.maxModelLen(), "max_model_len " + args.maxModelLen()
                        + " exceeds the model's training context of " + trained + " tokens");
            }
            int pinCell = args.pinKvView() ? 1 : 0; // a pinned view holds one cell no request may use
            int kvTokens = args.kvCacheTokens() > 0 ? args.kvCacheTokens()
                    : (int) Math.min((long) maxModelLen * args.maxNumSeqs(), Math.max(maxModelLen, EngineArgs.DEFAULT_MAX_KV_TOKENS))
                    + pinCell;
            if (kvTokens < maxModelLen + pinCell) {
                throw new InvalidRequestException("kv_cache_tokens", kvTokens, "the KV cache (" + kvTokens
                        + " tokens) must hold at least one request of max_model_len " + maxModelLen
                        + (pinCell > 0 ? " and the pinned view's cell" : ""));
            }
            boolean unifiedKv = unifiedKv(args, kvTokens, maxModelLen);
            ContextParams params = effectivePooling(args, model) != PoolingType.NONE ? poolingContext(args, kvTokens, maxModelLen)
                    : new ContextParams(kvTokens, args.maxNumBatchedTokens(),
                    Math.min(512, args.maxNumBatchedTokens()), args.maxNumSeqs(), args.threads(), 0, false,
                    args.flashAttention(), unifiedKv, args.kvCacheDtype(), null);
            return new Replica(model, Context.create(model, params), maxModelLen);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** llama.cpp rounds each per-sequence stream up to a multiple of this many cells (llama_context: n_ctx_seq). */
    static final int STREAM_CELLS_ROUNDING = 256;

    /**
     * Whether the KV cache is one buffer for all sequences. A unified cache is what sharing cells between sequences
     * needs (prefix caching, n > 1 siblings, the pinned view), but each decode then masks and attends over every
     * sequence's cells, and llama.cpp checks every pair of its 256 possible sequences (65,536 tests, ~10% of a small
     * model's token). Per-sequence streams give each slot kvTokens / maxNumSeqs cells of its own, so they need room for
     * every slot at max_model_len: a request must never outgrow its stream. llama.cpp rounds each stream up to
     * {@link #STREAM_CELLS_ROUNDING} cells, so the default keeps a unified cache where streams would be smaller than that
     * and the rounding would grow the KV memory asked for. Where the rounding grows nothing, as for one sequence (its
     * one stream is rounded as a unified buffer is), streams stay: a unified cache would only add llama.cpp's checks of
     * 256 sequences to every step (on an H200 a 1B model's single-stream decode call took 239 µs, llama.cpp's own loop
     * 71 µs).
     */
    static boolean unifiedKv(EngineArgs args, int kvTokens, int maxModelLen) {
        boolean sharesCells = args.enablePrefixCaching() || args.pinKvView();
        boolean roomPerSlot = (long) kvTokens >= (long) args.maxNumSeqs() * maxModelLen;
        if (args.kvUnified() == null) {
            return sharesCells || !roomPerSlot || (kvTokens / args.maxNumSeqs() < STREAM_CELLS_ROUNDING
                    && streamCells(kvTokens, args.maxNumSeqs()) > roundedCells(kvTokens));
        }
        if (!args.kvUnified() && !roomPerSlot) {
            throw new InvalidRequestException("kv_cache_tokens", kvTokens, "a KV cache of per-sequence streams (kv_unified"
                    + " off) needs max_num_seqs x max_model_len = " + (long) args.maxNumSeqs() * maxModelLen
                    + " tokens, so that no request outgrows its stream; it has " + kvTokens
                    + ": raise kv_cache_tokens, lower max_model_len or max_num_seqs, or leave kv_unified on");
        }
        return args.kvUnified();
    }

    /** The cells llama.cpp gives a cache of {@code kvTokens} in one buffer: rounded up to {@link #STREAM_CELLS_ROUNDING}. */
    private static long roundedCells(long kvTokens) {
        return (kvTokens + STREAM_CELLS_ROUNDING - 1) / STREAM_CELLS_ROUNDING * STREAM_CELLS_ROUNDING;
    }

    /** The cells llama.cpp gives a cache of {@code kvTokens} in {@code streams} streams: each stream's share rounded up. */
    private static long streamCells(long kvTokens, int streams) {
        return streams * roundedCells(roundedCells(kvTokens) / streams);
    }

    /**
     * A context for a pooling model: embeddings on, the model's pooling, and one micro-batch as large as a batch
     * (encoders must see each batch whole) and at least one prompt of max_model_len.
     */
    static ContextParams poolingContext(EngineArgs args, int kvTokens, int maxModelLen) {
        int batch = Math.max(args.maxNumBatchedTokens(), maxModelLen);
        return new ContextParams(kvTokens, batch, batch, args.maxNumSeqs(), args.threads(), 0, true,
                args.flashAttention(), true, args.kvCacheDtype(), args.poolingType());
    }

    /**
     * The model's declared pooling, or the engine's override of it. Only embedding models take an override: a
     * generative model's context computes logits, not pooled states.
     */
    static PoolingType effectivePooling(EngineArgs args, Model model) {
        PoolingType declared = model.declaredPooling();
        if (args.poolingType() == null) {
            return declared;
        }
        if (declared == PoolingType.NONE || declared == PoolingType.RANK) {
            throw new InvalidRequestException("pooling_type", args.poolingType(), "pooling_type can only override an"
                    + " embedding model's pooling; " + args.model().getFileName() + " declares " + declared.name().toLowerCase(java.util.Locale.ROOT));
        }
        return args.poolingType();
    }

    /** Loads another replica and starts its engine core (a data-parallel rank beyond the first). */
    static InProcessClient startCore(EngineArgs args, DevicePlacement placement) {
        Replica replica = load(args, placement);
        return new InProcessClient(replica.model(), replica.context(), args, replica.maxModelLen());
    }
}
