package dev.panllama.cli;

import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.InvalidRequestException;
import dev.panllama.engine.SchedulingPolicy;
import dev.panllama.engine.models.ModelResolver;
import dev.panllama.engine.nativeapi.ContextParams.FlashAttention;
import dev.panllama.engine.nativeapi.PoolingType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Engine flags shared by the commands that run a model, named as vLLM names them. */
final class EngineOptions {
    @Option(names = {"-m", "--model"}, description = "GGUF model file (default: $PANLLAMA_MODEL, then stories260K).")
    String model;

    @Option(names = "--max-model-len", defaultValue = "0", description = "Longest prompt + output per request (default: the model's).")
    int maxModelLen;

    @Option(names = "--max-num-seqs", defaultValue = "16", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    int maxNumSeqs;

    @Option(names = "--max-num-batched-tokens", defaultValue = "512", description = "Tokens per engine step (default: ${DEFAULT-VALUE}).")
    int maxNumBatchedTokens;

    @Option(names = {"-ngl", "--n-gpu-layers"}, defaultValue = "-1", description = "Layers on the GPU; -1 = all (default).")
    int nGpuLayers;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "CPU threads (default: all cores).")
    int threads;

    @Option(names = "--kv-cache-tokens", defaultValue = "0", description = "KV cache cells shared by all sequences"
            + " (llama-server's --ctx-size; default: --max-model-len x --max-num-seqs, at most 65536).")
    int kvCacheTokens;

    @Option(names = "--kv-cache-dtype", defaultValue = "f16", description = "f16, f32, bf16, q8_0, q4_0 (default: ${DEFAULT-VALUE}).")
    String kvCacheDtype;

    @Option(names = "--flash-attn", defaultValue = "auto", description = "auto, on, off (default: ${DEFAULT-VALUE}).")
    String flashAttn;

    @Option(names = "--scheduling-policy", defaultValue = "fcfs", description = "fcfs or priority (default: ${DEFAULT-VALUE}).")
    String schedulingPolicy;

    @Option(names = "--chat-template", description = "A Jinja chat template or a built-in format name (default: the model's).")
    String chatTemplate;

    @Option(names = "--enable-prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Share the KV of common prompt prefixes across requests (default: on; --no-enable-prefix-caching turns it off).")
    boolean enablePrefixCaching;

    @Option(names = "--pooling-type", description = "An embedding model's pooling instead of its own: mean, cls or last.")
    String poolingType;

    @Mixin
    ParallelOptions parallel = new ParallelOptions();

    @Option(names = "--block-size", defaultValue = "16", description = "Tokens per prefix-cache block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--enable-lora", description = "Accept LoRA adapters per request (on when --lora is given).")
    boolean enableLora;

    @Option(names = "--max-loras", defaultValue = "1", description = "Distinct adapters running at once; others wait (default: ${DEFAULT-VALUE}).")
    int maxLoras;

    @Option(names = "--max-cpu-loras", defaultValue = "0", description = "Adapters kept loaded, LRU with pinning (default: --max-loras).")
    int maxCpuLoras;

    @Option(names = "--lora-allowed-dir", description = "A directory adapter files may come from; repeatable (default: any).")
    List<Path> loraAllowedDirs = new ArrayList<>();

    @Option(names = "--enable-sleep-mode", description = "Allow the engine to sleep (free weights and KV cache) and wake up.")
    boolean enableSleepMode;

    @Option(names = "--pin-kv-view", description = "Keep llama.cpp's attention view at the KV cache's whole length: one decode"
            + " graph while the cache fills instead of a new one every 256 cells, but every step attends over every cell"
            + " (for a --kv-cache-tokens that the load fills).")
    boolean pinKvView;

    @Option(names = "--kv-unified", negatable = true, description = "One KV buffer for all sequences (--kv-unified) or a"
            + " stream per sequence slot (--no-kv-unified; needs --no-enable-prefix-caching and room for every slot at"
            + " --max-model-len). Default: per-sequence streams when nothing shares cells and each slot's stream holds"
            + " --max-model-len and at least 256 cells (any size for one sequence), else unified.")
    Boolean kvUnified;

    EngineArgs toEngineArgs(Long seed) {
        return EngineArgs.builder()
                .model(ModelResolver.resolve(model))
                .maxModelLen(maxModelLen).maxNumSeqs(maxNumSeqs).maxNumBatchedTokens(maxNumBatchedTokens)
                .kvCacheTokens(kvCacheTokens)
                .nGpuLayers(nGpuLayers).threads(threads).kvCacheDtype(kvCacheDtype)
                .flashAttention(switch (flashAttn.toLowerCase(Locale.ROOT)) {
                    case "on", "true", "enabled" -> FlashAttention.ENABLED;
                    case "off", "false", "disabled" -> FlashAttention.DISABLED;
                    case "auto" -> FlashAttention.AUTO;
                    default -> throw new IllegalArgumentException("--flash-attn must be auto, on or off, got " + flashAttn);
                })
                .schedulingPolicy(SchedulingPolicy.valueOf(schedulingPolicy.toUpperCase(Locale.ROOT)))
                .chatTemplate(chatTemplate)
                .enablePrefixCaching(enablePrefixCaching).prefixCacheBlockSize(blockSize)
                .poolingType(pooling())
                .enableSleepMode(enableSleepMode)
                .pinKvView(pinKvView).kvUnified(kvUnified)
                .seed(seed)
                .enableLora(enableLora).maxLoras(maxLoras).maxCpuLoras(maxCpuLoras).loraAllowedDirs(loraAllowedDirs)
                .parallel(parallel.toConfig())
                .build();
    }

    private PoolingType pooling() {
        if (poolingType == null) {
            return null;
        }
        try {
            return PoolingType.valueOf(poolingType.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("pooling_type", poolingType, "--pooling-type must be mean, cls or last, got "
                    + poolingType);
        }
    }

    Path modelPath() {
        return ModelResolver.resolve(model);
    }
}
