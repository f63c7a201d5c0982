package dev.panllama.engine.output;

import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.Logprob;
import dev.panllama.engine.RequestMetrics;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The caller-facing side of one {@code generate} call: its external id, prompt, output kind and mailbox, and
 * its {@code n} completions (children). Streaming kinds forward each child's completion as it changes and
 * finish when the last child does; FINAL_ONLY holds everything until all children are done.
 */
final class RequestGroup {
    final String externalId;
    final String prompt;
    final List<Integer> promptTokenIds;
    final RequestOutputKind kind;
    final RequestOutputCollector collector;
    private final CompletionOutput[] latest;
    private int unfinished;
    private List<Map<Integer, Logprob>> promptLogprobs;
    private boolean promptLogprobsSent;

    RequestGroup(String externalId, String prompt, List<Integer> promptTokenIds, RequestOutputKind kind, int n) {
        this.externalId = externalId;
        this.prompt = prompt;
        // copied once into the immutable form RequestOutput keeps as it is: every output of the request shares it
        this.promptTokenIds = List.copyOf(promptTokenIds);
        this.kind = kind;
        this.collector = new RequestOutputCollector(kind);
        this.latest = new CompletionOutput[n];
        this.unfinished = n;
    }

    boolean finished() {
        return unfinished == 0;
    }

    void setPromptLogprobs(List<Map<Integer, Logprob>> logprobs) {
        this.promptLogprobs = logprobs;
    }

    /**
     * Records a child's completion for this iteration (null = nothing new to show) and delivers what the output
     * kind says should be seen now.
     */
    void update(CompletionOutput completion, boolean childFinished, RequestMetrics metrics, int numCachedTokens) {
        if (childFinished) {
            unfinished--;
        }
        if (kind == RequestOutputKind.FINAL_ONLY) {
            if (completion != null) {
                latest[completion.index()] = completion;
            }
            if (finished()) {
                List<CompletionOutput> all = new ArrayList<>();
                for (CompletionOutput c : latest) { // slots are by index: already in index order
                    if (c != null) {
                        all.add(c);
                    }
                }
                deliver(all, metrics, numCachedTokens);
            }
            return;
        }
        if (completion != null || finished()) {
            deliver(completion == null ? List.of() : List.of(completion), metrics, numCachedTokens);
        }
    }

    private void deliver(List<CompletionOutput> outputs, RequestMetrics metrics, int numCachedTokens) {
        List<Map<Integer, Logprob>> prompt = promptLogprobs;
        if (kind == RequestOutputKind.DELTA) {
            // DELTA sends prompt logprobs once, with the first output that has them
            prompt = promptLogprobsSent ? null : promptLogprobs;
            promptLogprobsSent |= prompt != null;
        }
        collector.put(new RequestOutput(externalId, this.prompt, promptTokenIds, prompt, outputs, finished(),
                metrics, numCachedTokens));
    }
}
