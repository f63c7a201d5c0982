package dev.panllama.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panllama.bindings.NativeLibrary.Located;
import dev.panllama.bindings.NativeLibrary.Source;
import dev.panllama.bindings.internal.LlamaCpp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryTest {
    /** A class loader that sees nothing, not even the natives jar, so the loader must fall back to the build cache. */
    private static URLClassLoader emptyClassLoader() {
        return new URLClassLoader(new URL[0], null);
    }

    @Test
    void loadIsIdempotentAndMakesDowncallsWork() {
        Located first = NativeLibrary.load();
        Located second = NativeLibrary.load();

        assertSame(first, second);
        assertSame(first, NativeLibrary.loaded());
        assertFalse(first.libraries().isEmpty(), first::toString);
        assertTrue(LlamaCpp.llama_max_devices() > 0);
        String systemInfo = LlamaCpp.llama_print_system_info().reinterpret(Long.MAX_VALUE).getString(0);
        assertFalse(systemInfo.isBlank(), "llama_print_system_info returned an empty string");
    }

    @Test
    void nativesJarOnTheClassPathIsExtractedAndHashChecked() throws IOException {
        ClassLoader loader = NativeLibraryTest.class.getClassLoader();
        Platform platform = Platform.current();

        Located located = NativeLibrary.locate(platform, "cpu", null, loader);

        assertEquals(Source.NATIVES_JAR, located.source());
        assertEquals("cpu", located.variant());
        Map<String, String> index = jarIndex(loader, platform, "cpu");
        assertEquals(List.copyOf(index.keySet()),
                located.libraries().stream().map(p -> p.getFileName().toString()).toList(),
                "extracted libraries must be exactly the index's, in its (load) order");
        for (Path library : located.libraries()) {
            assertTrue(Files.isRegularFile(library), library + " missing");
            assertEquals(index.get(library.getFileName().toString()), NativeLibrary.sha256(Files.readAllBytes(library)),
                    library + " differs from the natives jar's index");
        }
        assertTrue(located.libraries().contains(located.directory().resolve(platform.libraryFileName("llama"))));
    }

    @Test
    void withoutNativesJarTheBuildCacheIsUsed() throws IOException {
        Platform platform = Platform.current();
        Path cacheLib = CacheLocation.nativeBuild(LlamaPin.current().version(), platform, "cpu").resolve("lib");
        if (!Files.isRegularFile(cacheLib.resolve(platform.libraryFileName("llama")))) {
            fail("No build cache at " + cacheLib + ". Fix: run `native-build/build-natives.sh --variant cpu`.");
        }

        Located located;
        try (URLClassLoader empty = emptyClassLoader()) {
            located = NativeLibrary.locate(platform, "cpu", null, empty);
        }

        assertEquals(Source.BUILD_CACHE, located.source());
        assertEquals(cacheLib, located.directory());
        assertEquals(cacheLib.resolve(platform.libraryFileName("llama")), located.libraries().getLast(),
                "libllama depends on every ggml library, so it must load last");
        located.libraries().forEach(library -> assertTrue(Files.isRegularFile(library), library + " missing"));
    }

    @Test
    void explicitPathWithoutLibrariesNamesTheDirectoryAndTheFix(@TempDir Path empty) {
        Platform platform = Platform.current();

        NativeLibraryException e = assertThrows(NativeLibraryException.class,
                () -> NativeLibrary.locate(platform, null, empty.toString(), NativeLibraryTest.class.getClassLoader()));

        assertTrue(e.getMessage().contains(empty.toString()), e::getMessage);
        assertTrue(e.getMessage().contains(platform.toString()), e::getMessage);
        assertTrue(e.getMessage().contains("build-natives.sh"), e::getMessage);
    }

    @Test
    void unknownVariantNamesTheVariantThePlacesLookedInAndTheFix() throws IOException {
        Platform platform = Platform.current();
        NativeLibraryException e;
        try (URLClassLoader empty = emptyClassLoader()) {
            e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.locate(platform, "nonexistent", null, empty));
        }

        String message = e.getMessage();
        assertTrue(message.contains("variant nonexistent"), message);
        assertTrue(message.contains("META-INF/panllama/natives/" + platform + "-nonexistent/index.txt"), message);
        assertTrue(message.contains(CacheLocation.nativeBuild(LlamaPin.current().version(), platform, "nonexistent")
                .resolve("lib").toString()), message);
        assertTrue(message.contains("native-build/build-natives.sh --variant nonexistent"), message);
        assertTrue(message.contains(NativeLibrary.PATH_PROPERTY), message);
    }

    /** The jar's index as file name to sha256, in file order. */
    private static Map<String, String> jarIndex(ClassLoader loader, Platform platform, String variant) throws IOException {
        String resource = "META-INF/panllama/natives/" + platform + "-" + variant + "/" + NativeLibrary.INDEX;
        Map<String, String> index = new LinkedHashMap<>();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            assertNotNull(in, resource + " is not on the test class path (panllama-natives test dependency)");
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2) {
                    index.put(parts[1], parts[0]);
                }
            }
        }
        assertFalse(index.isEmpty(), resource + " lists no libraries");
        return index;
    }
}
