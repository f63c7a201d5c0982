package dev.panllama.engine.nativeapi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped read-only and paged in, so its bytes stay in host memory (the page cache, shared with any other
 * mapping of the file) while nothing else holds them. Sleep mode keeps a model's GGUF this way when it frees
 * device copies of the weights: the reload then reads memory, not disk. The kernel may still evict clean
 * pages under memory pressure; nothing here locks them.
 */
public final class ResidentFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment bytes;

    private ResidentFile(Path path, Arena arena, MemorySegment bytes) {
        this.path = path;
        this.arena = arena;
        this.bytes = bytes;
    }

    public static ResidentFile map(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            segment.load();
            return new ResidentFile(path, arena, segment);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot keep " + path + " in memory", e);
        }
    }

    public Path path() {
        return path;
    }

    public long size() {
        return bytes.byteSize();
    }

    /** Whether every page is resident now (a hint from the OS). */
    public boolean isLoaded() {
        return arena.scope().isAlive() && bytes.isLoaded();
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
