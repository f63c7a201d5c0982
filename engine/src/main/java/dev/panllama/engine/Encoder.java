package dev.panllama.engine;

import dev.panllama.engine.core.EncodeQueue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The front half of {@code encode}: validates a pooling request, tokenizes and truncates its prompt on the caller's
 * thread, hands it to the engine thread's {@link EncodeQueue}, and turns the pooled vector into a
 * {@link PoolingRequestOutput}. Every bad input is an {@link InvalidRequestException} before anything is queued.
 */
final class Encoder {
    private final Tokenizer tokenizer;
    private final int maxModelLen;
    private final Set<String> supportedTasks;
    private final String modelName;
    private final EncodeQueue queue;
    /** Live requests by external id, so abort(id) reaches them. */
    private final Map<String, List<Live>> live = new ConcurrentHashMap<>();

    private record Live(EncodeQueue.Job job, CompletableFuture<PoolingRequestOutput> output, List<Integer> tokens,
                        String requestId) {}

    /** @param queue null when the model pools nothing: every encode is then refused */
    Encoder(Tokenizer tokenizer, int maxModelLen, Set<String> supportedTasks, String modelName, EncodeQueue queue) {
        this.tokenizer = tokenizer;
        this.maxModelLen = maxModelLen;
        this.supportedTasks = supportedTasks;
        this.modelName = modelName;
        this.queue = queue;
    }

    PoolingRequestStream encode(Prompt prompt, PoolingParams params, String requestId, GenerateOptions options) {
        if (requestId == null || requestId.isEmpty()) {
            throw new InvalidRequestException("request_id", requestId, "request_id must be a non-empty string");
        } else if (options.loraRequest() != null) {
            throw new LoraNotEnabledException(options.loraRequest());
        }
        PoolingTask task = resolveTask(params.task());
        int[] tokens = tokenize(prompt, options);
        tokens = truncate(tokens, params.truncatePromptTokens(), options);
        if (tokens.length > maxModelLen) {
            throw new InvalidRequestException("prompt", tokens.length, "The prompt (length " + tokens.length
                    + " tokens) is longer than the model's maximum of " + maxModelLen
                    + " tokens. Shorten it or set truncate_prompt_tokens.");
        }
        EncodeQueue.Job job = queue.submit(tokens, task == PoolingTask.EMBED && params.normalizes());
        List<Integer> promptIds = Arrays.stream(tokens).boxed().toList();
        CompletableFuture<PoolingRequestOutput> output = new CompletableFuture<>();
        Live entry = new Live(job, output, promptIds, requestId);
        live.computeIfAbsent(requestId, k -> new CopyOnWriteArrayList<>()).add(entry);
        job.result().whenComplete((vector, error) -> {
            forget(entry);
            if (error != null) {
                output.completeExceptionally(error);
            } else {
                output.complete(new PoolingRequestOutput(requestId, new PoolingOutput(vector), promptIds, 0, true));
            }
        });
        return new PoolingRequestStream(requestId, output, () -> abort(entry));
    }

    /** Decodes run for pooling requests so far (each may carry many prompts); 0 for a model that pools nothing. */
    long batchesRun() {
        return queue == null ? 0 : queue.batchesRun();
    }

    private PoolingTask resolveTask(PoolingTask asked) {
        if (asked == null) {
            for (PoolingTask t : PoolingTask.values()) {
                if (supportedTasks.contains(t.wireName())) {
                    return t;
                }
            }
            throw new UnsupportedTaskException("embed", supportedTasks, modelName);
        }
        if (!supportedTasks.contains(asked.wireName()) || queue == null) {
            throw new UnsupportedTaskException(asked.wireName(), supportedTasks, modelName);
        }
        return asked;
    }

    private int[] tokenize(Prompt prompt, GenerateOptions options) {
        switch (prompt) {
            case null -> throw new InvalidRequestException("prompt", null, "prompt is required");
            case Prompt.Text t -> {
                if (t.text() == null || t.text().isEmpty()) {
                    throw new InvalidRequestException("prompt", t.text(), "The prompt cannot be empty");
                }
                boolean addSpecial = options.addSpecialTokens() == null || options.addSpecialTokens();
                return tokenizer.tokenize(t.text(), addSpecial);
            }
            case Prompt.Tokens t -> {
                if (t.tokenIds().isEmpty()) {
                    throw new InvalidRequestException("prompt_token_ids", t.tokenIds(), "The prompt cannot be empty");
                }
                return ParamChecks.promptTokenIds(t.tokenIds(), tokenizer.vocabSize());
            }
            case Prompt.Chat c -> throw new InvalidRequestException("prompt", null,
                    "chat prompts are for generation; encode takes text or token ids");
        }
    }

    /**
     * Keeps at most k tokens the way BERT tokenizers truncate: from the right, keeping the closing separator that
     * tokenization with special tokens appended.
     */
    private int[] truncate(int[] tokens, Integer k, GenerateOptions options) {
        Integer limit = k != null ? k : options.truncatePromptTokens();
        if (limit == null) {
            return tokens;
        }
        if (limit == 0 || limit < -1) {
            throw new InvalidRequestException("truncate_prompt_tokens", limit, "truncate_prompt_tokens must be -1 or >= 1, got " + limit);
        }
        if (limit > maxModelLen) {
            throw new InvalidRequestException("truncate_prompt_tokens", limit, "truncate_prompt_tokens " + limit
                    + " exceeds the model's maximum length " + maxModelLen);
        }
        int keep = limit == -1 ? maxModelLen : limit;
        if (tokens.length <= keep) {
            return tokens;
        }
        int[] kept = Arrays.copyOf(tokens, keep);
        boolean specials = options.addSpecialTokens() == null || options.addSpecialTokens();
        if (specials && keep > 1) {
            kept[keep - 1] = tokens[tokens.length - 1];
        }
        return kept;
    }

    /** Aborts live requests with these external ids: each ends with an empty, finished output (vLLM's rule). */
    void abort(Collection<String> requestIds) {
        for (String id : requestIds) {
            List<Live> entries = live.get(id);
            if (entries != null) {
                new ArrayList<>(entries).forEach(this::abort);
            }
        }
    }

    private void abort(Live entry) {
        if (queue.cancel(entry.job())) {
            forget(entry);
            entry.output().complete(new PoolingRequestOutput(entry.requestId(), new PoolingOutput(new float[0]),
                    entry.tokens(), 0, true));
        }
    }

    private void forget(Live entry) {
        live.computeIfPresent(entry.requestId(), (k, list) -> {
            list.remove(entry);
            return list.isEmpty() ? null : list;
        });
    }
}
