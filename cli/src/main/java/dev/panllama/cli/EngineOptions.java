package dev.panllama.cli;

import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.SchedulingPolicy;
import dev.panllama.engine.models.ModelResolver;
import dev.panllama.engine.nativeapi.ContextParams.FlashAttention;
import java.nio.file.Path;
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

    @Mixin
    ParallelOptions parallel = new ParallelOptions();

    @Option(names = "--block-size", defaultValue = "16", description = "Tokens per prefix-cache block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    EngineArgs toEngineArgs(Long seed) {
        return EngineArgs.builder()
                .model(ModelResolver.resolve(model))
                .maxModelLen(maxModelLen).maxNumSeqs(maxNumSeqs).maxNumBatchedTokens(maxNumBatchedTokens)
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
                .seed(seed)
                .parallel(parallel.toConfig())
                .build();
    }

    Path modelPath() {
        return ModelResolver.resolve(model);
    }
}
