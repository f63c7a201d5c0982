package dev.panllama.cli.serve;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Waits for the engine's control calls; a failure surfaces as the engine's own exception for {@link ErrorMapping}. */
final class EngineCalls {
    private EngineCalls() {
    }

    static <T> T await(CompletableFuture<T> call) throws Exception {
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
