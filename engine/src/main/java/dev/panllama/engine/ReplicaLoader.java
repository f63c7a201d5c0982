package dev.panllama.engine;

import dev.panllama.engine.core.InProcessClient;
import dev.panllama.engine.nativeapi.Context;
import dev.panllama.engine.nativeapi.ContextParams;
import dev.panllama.engine.nativeapi.DevicePlacement;
import dev.panllama.engine.nativeapi.Model;
import dev.panllama.engine.nativeapi.ModelParams;
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
            int kvTokens = args.kvCacheTokens() > 0 ? args.kvCacheTokens()
                    : (int) Math.min((long) maxModelLen * args.maxNumSeqs(), Math.max(maxModelLen, EngineArgs.DEFAULT_MAX_KV_TOKENS));
            if (kvTokens < maxModelLen) {
                throw new InvalidRequestException("kv_cache_tokens", kvTokens, "the KV cache (" + kvTokens
                        + " tokens) must hold at least one request of max_model_len " + maxModelLen);
            }
            ContextParams params = new ContextParams(kvTokens, args.maxNumBatchedTokens(),
                    Math.min(512, args.maxNumBatchedTokens()), args.maxNumSeqs(), args.threads(), 0, false,
                    args.flashAttention(), true, args.kvCacheDtype());
            return new Replica(model, Context.create(model, params), maxModelLen);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Loads another replica and starts its engine core (a data-parallel rank beyond the first). */
    static InProcessClient startCore(EngineArgs args, DevicePlacement placement) {
        Replica replica = load(args, placement);
        return new InProcessClient(replica.model(), replica.context(), args, replica.maxModelLen());
    }
}
