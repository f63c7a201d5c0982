package dev.panllama.engine;

import java.time.Instant;
import java.util.Map;

/**
 * Per-request options beside the sampling parameters, with vLLM's meaning.
 *
 * @param priority             lower runs earlier under the PRIORITY policy (ignored by FCFS)
 * @param arrivalTime          when the request arrived (null = now); orders ties and latency metrics
 * @param loraRequest          an adapter to apply; rejected unless the engine was built with LoRA enabled
 * @param traceHeaders         W3C trace-context headers (traceparent, tracestate) to continue a trace
 * @param addSpecialTokens     add BOS/EOS when tokenizing a text prompt (null = yes for text, no for chat)
 * @param truncatePromptTokens keep only the last k prompt tokens (-1 = max_model_len; null = no truncation)
 * @param dataParallelRank     pin to one data-parallel engine (only 0 exists with one engine)
 * @param cacheSalt            requests share cached prompt prefixes only with requests of the same salt (null = none)
 */
public record GenerateOptions(int priority, Instant arrivalTime, LoraRequest loraRequest, Map<String, String> traceHeaders,
                              Boolean addSpecialTokens, Integer truncatePromptTokens, Integer dataParallelRank,
                              String cacheSalt) {

    public GenerateOptions {
        traceHeaders = traceHeaders == null ? Map.of() : Map.copyOf(traceHeaders);
    }

    public static GenerateOptions defaults() {
        return new GenerateOptions(0, null, null, null, null, null, null, null);
    }

    public GenerateOptions withPriority(int value) {
        return new GenerateOptions(value, arrivalTime, loraRequest, traceHeaders, addSpecialTokens, truncatePromptTokens, dataParallelRank, cacheSalt);
    }

    public GenerateOptions withArrivalTime(Instant value) {
        return new GenerateOptions(priority, value, loraRequest, traceHeaders, addSpecialTokens, truncatePromptTokens, dataParallelRank, cacheSalt);
    }

    public GenerateOptions withLoraRequest(LoraRequest value) {
        return new GenerateOptions(priority, arrivalTime, value, traceHeaders, addSpecialTokens, truncatePromptTokens, dataParallelRank, cacheSalt);
    }

    public GenerateOptions withTraceHeaders(Map<String, String> value) {
        return new GenerateOptions(priority, arrivalTime, loraRequest, value, addSpecialTokens, truncatePromptTokens, dataParallelRank, cacheSalt);
    }

    public GenerateOptions withAddSpecialTokens(Boolean value) {
        return new GenerateOptions(priority, arrivalTime, loraRequest, traceHeaders, value, truncatePromptTokens, dataParallelRank, cacheSalt);
    }

    public GenerateOptions withTruncatePromptTokens(Integer value) {
        return new GenerateOptions(priority, arrivalTime, loraRequest, traceHeaders, addSpecialTokens, value, dataParallelRank, cacheSalt);
    }

    public GenerateOptions withCacheSalt(String value) {
        return new GenerateOptions(priority, arrivalTime, loraRequest, traceHeaders, addSpecialTokens, truncatePromptTokens,
                dataParallelRank, value);
    }

    public GenerateOptions withDataParallelRank(Integer value) {
        return new GenerateOptions(priority, arrivalTime, loraRequest, traceHeaders, addSpecialTokens, truncatePromptTokens, value, cacheSalt);
    }
}
