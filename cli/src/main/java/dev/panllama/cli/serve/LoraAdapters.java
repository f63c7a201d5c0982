package dev.panllama.cli.serve;

import dev.panllama.engine.LoraRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The LoRA adapters the server knows by name: each is a model name clients can send, backed by an engine adapter
 * id. Ids are never reused, so a request still running with an unloaded adapter cannot meet its successor.
 */
public final class LoraAdapters {
    private final Map<String, LoraRequest> byName = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);

    /** A request for a new adapter id; {@link #register} makes it addressable once the engine has loaded it. */
    LoraRequest request(String name, Path path) {
        return new LoraRequest(name, nextId.getAndIncrement(), path);
    }

    /** False when the name is already taken. */
    boolean register(LoraRequest adapter) {
        return byName.putIfAbsent(adapter.name(), adapter) == null;
    }

    LoraRequest remove(String name) {
        return byName.remove(name);
    }

    LoraRequest find(String name) {
        return byName.get(name);
    }

    boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The adapters, in name order. */
    List<LoraRequest> all() {
        return byName.values().stream().sorted(java.util.Comparator.comparing(LoraRequest::name)).toList();
    }
}
