package dev.panllama.engine.workers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/** The shared secret between an engine and its workers, read from a file both sides are given. */
public record WorkerAuth(String token) {
    static final String HEADER = "Authorization";

    public WorkerAuth {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the worker token is empty");
        }
    }

    /** Reads the token (its first line, trimmed) from {@code file}. */
    public static WorkerAuth fromFile(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("a worker token file is required (--token-file / --worker-token-file)");
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            int newline = text.indexOf('\n');
            String token = newline < 0 ? text : text.substring(0, newline).strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("the worker token file " + file + " is empty");
            }
            return new WorkerAuth(token);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the worker token file " + file, e);
        }
    }

    String headerValue() {
        return "Bearer " + token;
    }

    /** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
    boolean accepts(String header) {
        if (header == null) {
            return false;
        }
        return MessageDigest.isEqual(headerValue().getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8));
    }
}
