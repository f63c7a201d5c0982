package dev.panllama.engine.control;

import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.CompletionOutput;
import dev.panllama.engine.FinishReason;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.RequestOutput;
import dev.panllama.engine.RequestOutputKind;
import dev.panllama.engine.RequestStream;
import dev.panllama.engine.SamplingParams;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A request read on a virtual thread: how many tokens it has shown so far, and its final completion. */
final class TrackedRequest {
    final RequestStream stream;
    final AtomicInteger tokens = new AtomicInteger();
    final CompletableFuture<CompletionOutput> done = new CompletableFuture<>();

    private TrackedRequest(RequestStream stream) {
        this.stream = stream;
        Thread.ofVirtual().start(() -> {
            try {
                while (stream.hasNext()) {
                    RequestOutput out = stream.next();
                    CompletionOutput c = out.outputs().getFirst();
                    tokens.set(c.tokenIds().size());
                    if (out.finished()) {
                        done.complete(c);
                    }
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
    }

    static SamplingParams greedy(int maxTokens) {
        return SamplingParams.builder().temperature(0).maxTokens(maxTokens).ignoreEos(true)
                .outputKind(RequestOutputKind.CUMULATIVE).build();
    }

    static TrackedRequest start(AsyncLLM llm, String id, String prompt, int maxTokens) {
        return start(llm, id, prompt, greedy(maxTokens), GenerateOptions.defaults());
    }

    static TrackedRequest start(AsyncLLM llm, String id, String prompt, SamplingParams params, GenerateOptions options) {
        return new TrackedRequest(llm.generate(Prompt.text(prompt), params, id, options));
    }

    /**
     * Whether the request's final output reaches its reader within 10 s. The engine delivers it to the request's
     * mailbox before a control call completes; the reader thread picks it up a moment later.
     */
    boolean finishesSoon() {
        try {
            done.get(10, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    /** Waits until at least {@code n} tokens were shown (fails the test after 30 s). */
    TrackedRequest awaitTokens(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (tokens.get() < n && !done.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + n + " tokens within 30 s; have " + tokens.get());
            }
            Thread.sleep(1);
        }
        return this;
    }

    CompletionOutput result() throws Exception {
        return done.get(60, TimeUnit.SECONDS);
    }

    List<Integer> resultTokens() throws Exception {
        return result().tokenIds();
    }

    FinishReason finishReason() throws Exception {
        return result().finishReason();
    }

    /** Token count after {@code quiet} of waiting, to show that nothing moves. */
    int tokensAfter(Duration quiet) throws InterruptedException {
        Thread.sleep(quiet.toMillis());
        return tokens.get();
    }
}
