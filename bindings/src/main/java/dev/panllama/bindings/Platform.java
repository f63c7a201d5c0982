package dev.panllama.bindings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The os-arch pair that names native builds, and the file naming of shared libraries on it. */
public record Platform(String os, String arch) {

    public static Platform current() {
        String osName = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String os = osName.startsWith("mac") || osName.startsWith("darwin") ? "macos"
                : osName.startsWith("windows") ? "windows" : osName.startsWith("linux") ? "linux" : osName;
        String arch = switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        return new Platform(os, arch);
    }

    /** {@code lib<name>.so}, {@code lib<name>.dylib} or {@code <name>.dll}. */
    public String libraryFileName(String name) {
        return switch (os) {
            case "macos" -> "lib" + name + ".dylib";
            case "windows" -> name + ".dll";
            default -> "lib" + name + ".so";
        };
    }

    /** Variants worth trying, best first, when none is asked for. */
    public String[] preferredVariants() {
        if (os.equals("macos")) {
            return new String[] {"metal", "cpu"};
        }
        // the driver is what makes a CUDA build loadable; without it libggml-cuda fails to load
        if (os.equals("linux") && Files.exists(Path.of("/proc/driver/nvidia/version"))) {
            return new String[] {"cuda", "cpu", "cpu-portable"};
        }
        return new String[] {"cpu", "cpu-portable"};
    }

    @Override
    public String toString() {
        return os + "-" + arch;
    }
}
