package dev.panllama.lora;

import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.nativeapi.LoraAdapter;
import dev.panllama.engine.nativeapi.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LoRA for one model in the engine: every adapter file is checked in Java (allowed directory, GGUF LoRA, same
 * architecture and shapes) before llama.cpp loads it; loaded adapters live in a {@link LoraRegistry}.
 * {@link #validate} runs on callers' threads; everything else on the engine thread.
 */
final class NativeLoraRuntime implements LoraRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(NativeLoraRuntime.class);

    private final Model model;
    private final AllowedDirectories allowed;
    private final LoraRegistry<LoraAdapter> registry;
    /** Files already validated, by resolved path, with the size and time they had then. */
    private final Map<Path, Stamp> validated = new ConcurrentHashMap<>();

    private record Stamp(long size, FileTime modified) {}

    NativeLoraRuntime(Model model, int maxLoras, int maxCpuLoras, AllowedDirectories allowed) {
        this.model = model;
        this.allowed = allowed;
        this.registry = new LoraRegistry<>(maxLoras, maxCpuLoras, this::load, LoraAdapter::close);
    }

    @Override
    public void validate(LoraRequest request) {
        checkedPath(request);
    }

    private Path checkedPath(LoraRequest request) {
        Path real = allowed.check(request.path());
        Stamp stamp = stamp(real);
        if (!stamp.equals(validated.get(real))) {
            LoraCompatibility.check(LoraFile.read(real), model.file());
            validated.put(real, stamp);
        }
        return real;
    }

    private static Stamp stamp(Path path) {
        try {
            return new Stamp(Files.size(path), Files.getLastModifiedTime(path));
        } catch (IOException e) {
            return new Stamp(-1, null);
        }
    }

    private LoraAdapter load(LoraRequest request) {
        Path path = checkedPath(request);
        long start = System.nanoTime();
        LoraAdapter adapter = LoraAdapter.load(model, path);
        LOG.info("loaded LoRA {} (id {}) from {} in {} ms", request.name(), request.id(), path,
                (System.nanoTime() - start) / 1_000_000);
        return adapter;
    }

    @Override
    public boolean add(LoraRequest request) {
        return registry.add(request);
    }

    @Override
    public boolean remove(int id) {
        return registry.remove(id);
    }

    @Override
    public boolean pin(int id) {
        return registry.pin(id);
    }

    @Override
    public Set<Integer> list() {
        return registry.list();
    }

    @Override
    public Lease acquire(LoraRequest request) {
        LoraRegistry<LoraAdapter>.Hold hold = registry.hold(request);
        AdapterSet set = new AdapterSet(hold.value(), request.scale());
        return new Lease() {
            @Override
            public AdapterSet adapterSet() {
                return set;
            }

            @Override
            public void close() {
                hold.close();
            }
        };
    }

    @Override
    public void close() {
        registry.close();
    }
}
