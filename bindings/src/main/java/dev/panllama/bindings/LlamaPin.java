package dev.panllama.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The pinned llama.cpp release, read from native-build/llama.lock (packaged as a resource), so the
 * loader and the build agree on version, commit and library load order.
 */
public record LlamaPin(String version, String commit, List<String> libraryLoadOrder) {

    private static final LlamaPin CURRENT = read();

    public static LlamaPin current() {
        return CURRENT;
    }

    private static LlamaPin read() {
        try (InputStream in = LlamaPin.class.getResourceAsStream("llama.lock")) {
            if (in == null) {
                throw new IllegalStateException("llama.lock missing from the bindings jar");
            }
            Properties lock = new Properties();
            lock.load(in);
            return new LlamaPin(
                    lock.getProperty("llama.version"),
                    lock.getProperty("llama.commit"),
                    Arrays.stream(lock.getProperty("libs.load.order").split(",")).map(String::trim).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
