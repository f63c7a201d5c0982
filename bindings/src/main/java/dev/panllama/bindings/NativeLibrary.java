package dev.panllama.bindings;

import dev.panllama.bindings.internal.LlamaCpp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and loads the pinned llama.cpp shared libraries once per process, then initialises the backends
 * and routes native logging to SLF4J.
 *
 * <p>Search order: an explicit directory ({@value #PATH_PROPERTY} or {@code PANLLAMA_NATIVE_PATH}), then a
 * natives jar for this platform on the class path (extracted to the cache and hash-checked), then the
 * build cache written by {@code native-build/build-natives.sh}. The variant comes from
 * {@value #VARIANT_PROPERTY} / {@code PANLLAMA_NATIVE_VARIANT}, or the best one found for this machine.
 *
 * <p>Libraries are loaded by absolute path in dependency order (llama.lock's {@code libs.load.order}),
 * so no {@code LD_LIBRARY_PATH} or RPATH is involved.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "panllama.native.path";
    public static final String VARIANT_PROPERTY = "panllama.native.variant";
    static final String PATH_ENV = "PANLLAMA_NATIVE_PATH";
    static final String VARIANT_ENV = "PANLLAMA_NATIVE_VARIANT";
    static final String INDEX = "index.txt";

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    private static volatile Located loaded;

    private NativeLibrary() {}

    /** Where the libraries were found and why that place was chosen. */
    public enum Source { EXPLICIT_PATH, NATIVES_JAR, BUILD_CACHE }

    /** A directory holding one variant's libraries, listed in load order. */
    public record Located(Path directory, String variant, Source source, List<Path> libraries) {}

    /** Loads the natives if this process has not yet; returns what was loaded. Thread-safe, idempotent. */
    public static Located load() {
        Located current = loaded;
        if (current != null) {
            return current;
        }
        synchronized (NativeLibrary.class) {
            if (loaded == null) {
                Located found = locate(Platform.current(), setting(VARIANT_PROPERTY, VARIANT_ENV),
                        setting(PATH_PROPERTY, PATH_ENV), NativeLibrary.class.getClassLoader());
                loadLibraries(found);
                NativeLog.install();
                if (LlamaCpp.ggml_backend_reg_count() == 0) {
                    // a build with dynamic backends (cpu-portable): each backend is a module in the same directory
                    try (Arena arena = Arena.ofConfined()) {
                        LlamaCpp.ggml_backend_load_all_from_path(arena.allocateFrom(found.directory().toString()));
                    }
                }
                LlamaCpp.llama_backend_init();
                LOG.debug("llama.cpp {} loaded from {} ({}, {})", LlamaPin.current().version(),
                        found.directory(), found.variant(), found.source());
                loaded = found;
            }
            return loaded;
        }
    }

    /** The loaded natives, or null before {@link #load()}. */
    public static Located loaded() {
        return loaded;
    }

    static Located locate(Platform platform, String variant, String explicitPath, ClassLoader classLoader) {
        LlamaPin pin = LlamaPin.current();
        String[] variants = variant != null ? new String[] {variant} : platform.preferredVariants();
        String wanted = variant != null ? variant : String.join(" or ", variants);
        if (explicitPath != null) {
            Path dir = Path.of(explicitPath);
            if (Files.isRegularFile(dir)) {
                dir = dir.toAbsolutePath().getParent();
            }
            List<Path> libraries = librariesIn(dir, platform, pin);
            if (libraries.isEmpty()) {
                throw new NativeLibraryException("No " + platform.libraryFileName("llama") + " in " + dir
                        + " (from " + PATH_PROPERTY + "/" + PATH_ENV + ") for platform " + platform
                        + ". Fix: point it at the lib/ directory printed by `native-build/build-natives.sh"
                        + " --variant " + variants[0] + " --print-dir`, or unset it.");
            }
            return new Located(dir, variant != null ? variant : "explicit", Source.EXPLICIT_PATH, libraries);
        }
        List<String> looked = new ArrayList<>();
        for (String v : variants) {
            String resourceDir = "META-INF/panllama/natives/" + platform + "-" + v + "/";
            URL index = classLoader.getResource(resourceDir + INDEX);
            if (index != null) {
                Path dir = CacheLocation.root().resolve("natives-jar").resolve(pin.version()).resolve(platform + "-" + v);
                return extract(classLoader, resourceDir, index, dir, platform, v);
            }
            looked.add("class path resource " + resourceDir + INDEX);
            Path cacheLib = CacheLocation.nativeBuild(pin.version(), platform, v).resolve("lib");
            List<Path> libraries = librariesIn(cacheLib, platform, pin);
            if (!libraries.isEmpty()) {
                return new Located(cacheLib, v, Source.BUILD_CACHE, libraries);
            }
            looked.add("build cache " + cacheLib);
        }
        throw new NativeLibraryException("No llama.cpp " + pin.version() + " natives for platform " + platform
                + ", variant " + wanted + ". Looked in: " + String.join("; ", looked)
                + ". Fix: run `native-build/build-natives.sh --variant " + variants[0]
                + "` (or `./panllama`, which builds what is missing), or set " + PATH_PROPERTY
                + " to a directory holding " + platform.libraryFileName("llama") + ".");
    }

    private static List<Path> librariesIn(Path dir, Platform platform, LlamaPin pin) {
        if (!Files.isRegularFile(dir.resolve(platform.libraryFileName("llama")))) {
            return List.of();
        }
        return pin.libraryLoadOrder().stream()
                .map(name -> dir.resolve(platform.libraryFileName(name)))
                .filter(Files::isRegularFile)
                .toList();
    }

    /** Copies a natives jar's libraries into the cache once, checking each file against the jar's index. */
    private static Located extract(ClassLoader classLoader, String resourceDir, URL index, Path cacheDir,
                                   Platform platform, String variant) {
        try {
            String indexText;
            try (InputStream in = index.openStream()) {
                indexText = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Path dir = cacheDir.resolve(sha256(indexText.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
            Files.createDirectories(dir);
            int files = 0;
            for (String line : indexText.split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length != 2) {
                    continue;
                }
                String expected = parts[0];
                Path target = dir.resolve(parts[1]);
                if (!Files.isRegularFile(target) || !expected.equals(sha256(Files.readAllBytes(target)))) {
                    try (InputStream in = classLoader.getResourceAsStream(resourceDir + parts[1])) {
                        if (in == null) {
                            throw new NativeLibraryException("Natives jar lists " + parts[1] + " but lacks it ("
                                    + resourceDir + "). Fix: rebuild the panllama-natives jar.");
                        }
                        Path tmp = Files.createTempFile(dir, parts[1], ".part");
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    }
                    String actual = sha256(Files.readAllBytes(target));
                    if (!expected.equals(actual)) {
                        throw new NativeLibraryException("Hash mismatch for " + target + " from the natives jar: expected "
                                + expected + ", got " + actual + ". Fix: rebuild the panllama-natives jar.");
                    }
                }
                files++;
            }
            List<Path> libraries = librariesIn(dir, platform, LlamaPin.current());
            if (files == 0 || libraries.isEmpty()) {
                throw new NativeLibraryException("The natives jar's " + resourceDir + INDEX + " lists no usable libraries."
                        + " Fix: rebuild the panllama-natives jar (mvn -pl native-build package).");
            }
            return new Located(dir, variant, Source.NATIVES_JAR, libraries);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not extract natives to " + cacheDir, e);
        }
    }

    private static void loadLibraries(Located found) {
        for (Path library : found.libraries()) {
            try {
                System.load(library.toAbsolutePath().toString());
            } catch (UnsatisfiedLinkError e) {
                throw new NativeLibraryException("Could not load " + library + " (platform " + Platform.current()
                        + ", variant " + found.variant() + ", from " + found.source() + "): " + e.getMessage()
                        + ". Fix: rebuild it with `native-build/build-natives.sh --variant " + found.variant()
                        + "`, or choose another variant with -D" + VARIANT_PROPERTY + "=cpu.", e);
            }
        }
    }

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
