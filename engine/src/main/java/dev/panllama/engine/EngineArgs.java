package dev.panllama.engine;

import dev.panllama.engine.nativeapi.ContextParams.FlashAttention;
import dev.panllama.engine.nativeapi.PoolingType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Everything that shapes an engine, named after vLLM's engine arguments where they mean the same thing.
 * Build with {@link #builder()}; {@link AsyncLLM#fromEngineArgs(EngineArgs)} starts an engine from it.
 *
 * @param model                the GGUF file
 * @param maxModelLen          longest prompt + output of one request, in tokens (0 = the model's training length)
 * @param maxNumSeqs           sequences decoded together in one step
 * @param maxNumBatchedTokens  tokens per step (prefill chunks and decode tokens together)
 * @param kvCacheTokens        KV cache cells shared by all sequences (0 = maxModelLen × maxNumSeqs, capped)
 * @param nGpuLayers           layers offloaded to a GPU (-1 = all)
 * @param threads              CPU threads (0 = all cores)
 * @param kvCacheDtype         KV cache element type: "f16", "f32", "bf16", "q8_0", "q4_0"
 * @param flashAttention       flash attention mode
 * @param seed                 engine seed for requests without their own (null = random per request)
 * @param schedulingPolicy     FCFS or PRIORITY
 * @param chatTemplate         a Jinja chat template overriding the model's (null = the model's own)
 * @param maxLogprobs          most logprobs a request may ask for (-1 = vocabulary size)
 * @param enablePrefixCaching  share the KV of common prompt prefixes across requests (on by default, as in vLLM)
 * @param prefixCacheBlockSize tokens per cached block: prefixes are shared in whole blocks
 * @param enableSleepMode      allow {@code sleep}/{@code wakeUp}; the tokenizer then runs on its own vocab-only
 *                             copy of the model so that sleep level 2 can free the weights
 * @param enableLora           accept per-request LoRA adapters and the LoRA control calls
 * @param maxLoras             distinct adapters that running requests may use at once; requests beyond wait
 * @param maxCpuLoras          adapters kept loaded (LRU with pinning); 0 = maxLoras
 * @param loraAllowedDirs      directories LoRA files must lie under (empty = any path)
 * @param poolingType          an embedding model's pooling instead of the one its file declares: mean, cls or last
 *                             (null = the model's)
 * @param parallel             RPC workers, tensor split and data-parallel replicas
 * @param deviceSampling       pick greedy requests' tokens inside the decode graph (llama.cpp's backend sampling), so
 *                             that a GPU never copies their 128k-entry logits rows back to the host; null = on when
 *                             layers are offloaded to a local GPU. Such an engine schedules at most one micro-batch
 *                             (512 tokens) a step, so a step's picks come back in one copy
 * @param pinKvView            hold the KV cache's last cell so llama.cpp's attention view always spans the whole cache:
 *                             a steady decode then keeps one graph instead of rebuilding it (and on a GPU running a
 *                             step uncaptured and capturing it again) every 256 cells of growth, at the price of
 *                             attending over every cell each step. Off by default; for a cache sized to its load
 *                             (kvCacheTokens close to what the running requests fill). Needs a plain attention KV
 *                             cache (no sliding window, no recurrent state); the cache is then unified, one cell
 *                             smaller, and the engine prefills the cache's length once at start and after each reset
 * @param kvUnified            one KV buffer for every sequence (true), or a stream of its own per sequence slot (false),
 *                             each of kvCacheTokens / maxNumSeqs cells (llama.cpp's kv_unified). In a unified cache each
 *                             decode masks and attends over every sequence's cells, which grows with the streams
 *                             squared: at 32 streams on a GPU it costs a third of the rate. Sharing cells between
 *                             sequences (prefix caching, n &gt; 1 siblings reusing the prompt, the pinned view) needs it.
 *                             null = per-sequence streams when nothing shares cells (prefix caching and the pinned view
 *                             off) and the cache holds every slot at max_model_len in streams of at least 256 cells, or
 *                             of any size when llama.cpp's rounding of each stream to a multiple of 256 grows nothing
 *                             (one sequence), else unified
 */
public record EngineArgs(Path model, int maxModelLen, int maxNumSeqs, int maxNumBatchedTokens, int kvCacheTokens,
                         int nGpuLayers, int threads, String kvCacheDtype, FlashAttention flashAttention, Long seed,
                         SchedulingPolicy schedulingPolicy, String chatTemplate, int maxLogprobs,
                         boolean enablePrefixCaching, int prefixCacheBlockSize, boolean enableSleepMode,
                         boolean enableLora, int maxLoras, int maxCpuLoras, List<Path> loraAllowedDirs,
                         PoolingType poolingType, ParallelConfig parallel, Boolean deviceSampling, boolean pinKvView,
                         Boolean kvUnified) {

    /** Caps the default KV size so a long-context model does not allocate gigabytes it may never use. */
    public static final int DEFAULT_MAX_KV_TOKENS = 1 << 16;

    public EngineArgs {
        if (model == null) {
            throw new InvalidRequestException("model", null, "model is required: the path of a GGUF file");
        }
        requireAtLeast("max_model_len", maxModelLen, 0);
        requireAtLeast("max_num_seqs", maxNumSeqs, 1);
        if (poolingType != null && !java.util.Set.of(PoolingType.MEAN, PoolingType.CLS, PoolingType.LAST).contains(poolingType)) {
            throw new InvalidRequestException("pooling_type", poolingType, "pooling_type override must be mean, cls or last,"
                    + " got " + poolingType.name().toLowerCase(Locale.ROOT));
        }
        requireAtLeast("max_num_batched_tokens", maxNumBatchedTokens, 1);
        requireAtLeast("kv_cache_tokens", kvCacheTokens, 0);
        requireAtLeast("n_gpu_layers", nGpuLayers, -1);
        requireAtLeast("threads", threads, 0);
        requireAtLeast("max_logprobs", maxLogprobs, -1);
        requireAtLeast("block_size", prefixCacheBlockSize, 1);
        kvCacheDtype = kvCacheDtype == null ? "f16" : kvCacheDtype.toLowerCase(Locale.ROOT);
        if (!java.util.Set.of("f16", "f32", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl").contains(kvCacheDtype)) {
            throw new InvalidRequestException("kv_cache_dtype", kvCacheDtype, "kv_cache_dtype '" + kvCacheDtype
                    + "' is not one of f16, f32, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl");
        }
        flashAttention = flashAttention == null ? FlashAttention.AUTO : flashAttention;
        schedulingPolicy = schedulingPolicy == null ? SchedulingPolicy.FCFS : schedulingPolicy;
        requireAtLeast("max_loras", maxLoras, 1);
        maxCpuLoras = maxCpuLoras == 0 ? maxLoras : maxCpuLoras;
        if (maxCpuLoras < maxLoras) {
            throw new InvalidRequestException("max_cpu_loras", maxCpuLoras, "max_cpu_loras (" + maxCpuLoras
                    + ") must be >= max_loras (" + maxLoras + ")");
        }
        loraAllowedDirs = loraAllowedDirs == null ? List.of() : List.copyOf(loraAllowedDirs);
        parallel = parallel == null ? ParallelConfig.single() : parallel;
        parallel.checkAgainst(flashAttention);
        if (Boolean.FALSE.equals(kvUnified) && (enablePrefixCaching || pinKvView)) {
            String sharer = enablePrefixCaching ? "prefix caching" : "the pinned KV view";
            throw new InvalidRequestException("kv_unified", false, sharer + " shares KV cells between sequences, which"
                    + " needs a unified KV cache: turn " + sharer + " off, or leave kv_unified on");
        }
        if (enableLora && parallel.dataParallelSize() > 1) {
            // adapters are loaded into one core's model; data-parallel cores each load their own
            throw new InvalidRequestException("enable_lora", true, "LoRA adapters are not supported with"
                    + " data_parallel_size > 1 yet: serve adapters from a single engine core");
        }
    }

    private static void requireAtLeast(String field, int value, int min) {
        if (value < min) {
            throw new InvalidRequestException(field, value, field + " must be >= " + min + ", got " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fluent construction; unset values take vLLM-like defaults sized for a CPU. */
    public static final class Builder {
        private Path model;
        private int maxModelLen;
        private int maxNumSeqs = 16;
        private int maxNumBatchedTokens = 512;
        private int kvCacheTokens;
        private int nGpuLayers = -1;
        private int threads;
        private String kvCacheDtype = "f16";
        private FlashAttention flashAttention = FlashAttention.AUTO;
        private Long seed;
        private SchedulingPolicy schedulingPolicy = SchedulingPolicy.FCFS;
        private String chatTemplate;
        private int maxLogprobs = 20;
        private boolean enablePrefixCaching = true;
        private int prefixCacheBlockSize = 16;
        private boolean enableSleepMode;
        private boolean enableLora;
        private int maxLoras = 1;
        private int maxCpuLoras;
        private List<Path> loraAllowedDirs = List.of();
        private PoolingType poolingType;
        private ParallelConfig parallel = ParallelConfig.single();
        private Boolean deviceSampling;
        private boolean pinKvView;
        private Boolean kvUnified;

        public Builder model(Path path) { this.model = path; return this; }
        public Builder maxModelLen(int tokens) { this.maxModelLen = tokens; return this; }
        public Builder maxNumSeqs(int seqs) { this.maxNumSeqs = seqs; return this; }
        public Builder maxNumBatchedTokens(int tokens) { this.maxNumBatchedTokens = tokens; return this; }
        public Builder kvCacheTokens(int tokens) { this.kvCacheTokens = tokens; return this; }
        public Builder nGpuLayers(int layers) { this.nGpuLayers = layers; return this; }
        public Builder threads(int count) { this.threads = count; return this; }
        public Builder kvCacheDtype(String dtype) { this.kvCacheDtype = dtype; return this; }
        public Builder flashAttention(FlashAttention mode) { this.flashAttention = mode; return this; }
        public Builder seed(Long value) { this.seed = value; return this; }
        public Builder schedulingPolicy(SchedulingPolicy policy) { this.schedulingPolicy = policy; return this; }
        public Builder chatTemplate(String template) { this.chatTemplate = template; return this; }
        public Builder maxLogprobs(int most) { this.maxLogprobs = most; return this; }
        public Builder enablePrefixCaching(boolean on) { this.enablePrefixCaching = on; return this; }
        public Builder prefixCacheBlockSize(int tokens) { this.prefixCacheBlockSize = tokens; return this; }
        public Builder enableSleepMode(boolean enable) { this.enableSleepMode = enable; return this; }
        public Builder enableLora(boolean enable) { this.enableLora = enable; return this; }
        public Builder maxLoras(int most) { this.maxLoras = most; return this; }
        public Builder maxCpuLoras(int most) { this.maxCpuLoras = most; return this; }
        public Builder loraAllowedDirs(List<Path> dirs) { this.loraAllowedDirs = dirs; return this; }
        public Builder poolingType(PoolingType pooling) { this.poolingType = pooling; return this; }
        public Builder parallel(ParallelConfig config) { this.parallel = config; return this; }
        public Builder deviceSampling(Boolean on) { this.deviceSampling = on; return this; }
        public Builder pinKvView(boolean on) { this.pinKvView = on; return this; }
        public Builder kvUnified(Boolean on) { this.kvUnified = on; return this; }

        public EngineArgs build() {
            return new EngineArgs(model, maxModelLen, maxNumSeqs, maxNumBatchedTokens, kvCacheTokens, nGpuLayers,
                    threads, kvCacheDtype, flashAttention, seed, schedulingPolicy, chatTemplate, maxLogprobs,
                    enablePrefixCaching, prefixCacheBlockSize, enableSleepMode, enableLora, maxLoras, maxCpuLoras,
                    loraAllowedDirs, poolingType, parallel, deviceSampling, pinKvView, kvUnified);
        }
    }
}
