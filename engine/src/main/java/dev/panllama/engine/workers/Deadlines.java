package dev.panllama.engine.workers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Gathers per-worker futures into one rank-ordered list under one deadline. */
final class Deadlines {
    private Deadlines() {}

    static <T> CompletableFuture<List<T>> gather(List<CompletableFuture<T>> perWorker, String method, Duration timeout) {
        List<CompletableFuture<T>> bounded = new ArrayList<>(perWorker.size());
        for (int rank = 0; rank < perWorker.size(); rank++) {
            CompletableFuture<T> reply = perWorker.get(rank);
            if (timeout != null) {
                int r = rank;
                reply = reply.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    return CompletableFuture.failedFuture(cause instanceof TimeoutException
                            ? new WorkerTimeoutException(r, method, timeout) : cause);
                });
            }
            bounded.add(reply);
        }
        return CompletableFuture.allOf(bounded.toArray(CompletableFuture[]::new))
                .thenApply(done -> bounded.stream().map(CompletableFuture::join).toList());
    }
}
