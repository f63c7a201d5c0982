package dev.panllama.bindings;

import java.nio.file.Path;

/**
 * Where panllama keeps what it builds or downloads outside the repository: natives and models.
 * {@code PANLLAMA_CACHE_DIR} (or -Dpanllama.cache.dir) overrides {@code $XDG_CACHE_HOME/panllama}.
 */
public final class CacheLocation {
    private CacheLocation() {}

    public static Path root() {
        String explicit = System.getProperty("panllama.cache.dir", System.getenv("PANLLAMA_CACHE_DIR"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("panllama");
    }

    /** The build-natives.sh output for one variant: {@code native/<version>/<os>-<arch>-<variant>}. */
    public static Path nativeBuild(String llamaVersion, Platform platform, String variant) {
        return root().resolve("native").resolve(llamaVersion).resolve(platform + "-" + variant);
    }

    public static Path models() {
        return root().resolve("models");
    }
}
