package dev.panllama.lora;

import dev.panllama.lora.InvalidLoraAdapterException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where adapter files may come from. A server lets clients name adapter paths, so a path must lie under one of
 * the configured directories after resolving symbolic links, and may not climb out with "..". No directories
 * configured means any path (a library caller choosing its own files).
 */
public final class AllowedDirectories {
    private final List<Path> directories;

    /** @throws IllegalArgumentException when a directory does not exist */
    public AllowedDirectories(List<Path> directories) {
        List<Path> real = new ArrayList<>();
        for (Path dir : directories) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("LoRA allowed directory " + dir + " is not a directory");
            }
            try {
                real.add(dir.toRealPath());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve LoRA allowed directory " + dir, e);
            }
        }
        this.directories = List.copyOf(real);
    }

    public static AllowedDirectories any() {
        return new AllowedDirectories(List.of());
    }

    public List<Path> directories() {
        return directories;
    }

    /**
     * The path to open: absolute, and with links resolved when the file exists.
     *
     * @throws InvalidLoraAdapterException OUTSIDE_ALLOWED_DIRS, checked before anything reveals whether the file
     *                                     exists, or MISSING
     */
    public Path check(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!directories.isEmpty()) {
            for (Path element : path) {
                if (element.toString().equals("..")) {
                    throw outside(path, "'..' is not allowed in adapter paths");
                }
            }
            if (!isInside(absolute)) {
                throw outside(path, "it is not under an allowed directory " + directories);
            }
        }
        if (!Files.exists(absolute)) {
            throw new InvalidLoraAdapterException(path, Reason.MISSING, "no such file");
        }
        if (Files.isDirectory(absolute)) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_GGUF, "is a directory; pass the .gguf adapter file");
        }
        Path real;
        try {
            real = absolute.toRealPath();
        } catch (IOException e) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_GGUF, "cannot be read: " + e.getMessage());
        }
        if (!directories.isEmpty() && !isInside(real)) {
            throw outside(path, "it links to " + real + ", outside the allowed directories " + directories);
        }
        return real;
    }

    private boolean isInside(Path absolute) {
        for (Path dir : directories) {
            if (absolute.startsWith(dir) && !absolute.equals(dir)) {
                return true;
            }
        }
        return false;
    }

    private static InvalidLoraAdapterException outside(Path path, String why) {
        return new InvalidLoraAdapterException(path, Reason.OUTSIDE_ALLOWED_DIRS, "refused: " + why);
    }
}
