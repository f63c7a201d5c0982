package dev.panllama.engine.models;

import dev.panllama.bindings.CacheLocation;
import dev.panllama.engine.PanllamaException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Decides which model file a command uses: an explicit path, then {@code PANLLAMA_MODEL}, then the default
 * model (stories260K) from the model cache, downloading it once (sha256-checked) when the cache lacks it.
 */
public final class ModelResolver {
    public static final String ENV = "PANLLAMA_MODEL";
    /** A real 292K-parameter llama (tinyllamas, MIT) that writes short children's stories. */
    public static final String DEFAULT_FILE = "stories260K.gguf";
    public static final String DEFAULT_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
    public static final URI DEFAULT_URL =
            URI.create("https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf");

    private ModelResolver() {}

    /** The model to use; {@code explicit} may be null. Never returns a path that was not checked to exist. */
    public static Path resolve(String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        return defaultModel();
    }

    /** stories260K in the model cache, downloaded on first use. */
    public static Path defaultModel() {
        Path cached = CacheLocation.models().resolve(DEFAULT_FILE);
        if (Files.isRegularFile(cached) && DEFAULT_SHA256.equals(sha256(cached))) {
            return cached;
        }
        download(DEFAULT_URL, cached, DEFAULT_SHA256);
        return cached;
    }

    /** Copies a local copy of the default model into the cache (tests and CI have one and no network). */
    public static Path seedDefaultModel(Path source) {
        Path cached = CacheLocation.models().resolve(DEFAULT_FILE);
        if (Files.isRegularFile(cached) && DEFAULT_SHA256.equals(sha256(cached))) {
            return cached;
        }
        String actual = sha256(source);
        if (!DEFAULT_SHA256.equals(actual)) {
            throw new PanllamaException(source + " is not " + DEFAULT_FILE + " (sha256 " + actual + ")");
        }
        try {
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempFile(cached.getParent(), DEFAULT_FILE, ".part");
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return cached;
        } catch (IOException e) {
            throw new UncheckedIOException("could not seed " + cached, e);
        }
    }

    private static void download(URI url, Path target, String sha256) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            try {
                HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(Duration.ofSeconds(20)).build();
                HttpResponse<Path> response = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(5)).build(),
                        HttpResponse.BodyHandlers.ofFile(tmp));
                if (response.statusCode() != 200) {
                    throw new PanllamaException("downloading " + url + " failed with HTTP " + response.statusCode());
                }
                String actual = sha256(tmp);
                if (!sha256.equals(actual)) {
                    throw new PanllamaException("downloaded " + url + " has sha256 " + actual + ", expected " + sha256);
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new PanllamaException("no model given and the default model could not be downloaded from " + url
                    + " (" + e + "). Pass --model PATH or set " + ENV + ".", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PanllamaException("interrupted while downloading " + url, e);
        }
    }

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
