package dev.panllama.lora;

import dev.panllama.engine.LoraRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The loaded adapters of one model, after vLLM's LRU adapter cache: at most {@code maxCpuLoras} registered, the
 * least recently used unpinned one evicted to make room, at most {@code maxLoras} pinned. Adapters are also held
 * by the requests running with them: an adapter evicted or removed while held stays loaded until its last holder
 * lets go, so removal never pulls an adapter out from under a running request.
 *
 * <p>Not thread-safe: the engine thread owns it.
 *
 * @param <T> the loaded form of an adapter (llama.cpp's adapter in the engine)
 */
public final class LoraRegistry<T> implements AutoCloseable {
    private final int maxLoras;
    private final int maxCpuLoras;
    private final Function<LoraRequest, T> loader;
    private final Consumer<T> unloader;
    /** Registered adapters, least recently used first. */
    private final LinkedHashMap<Integer, Entry<T>> registered = new LinkedHashMap<>();
    /** Every loaded adapter, registered or only still held by requests. */
    private final Set<Entry<T>> loaded = new LinkedHashSet<>();

    /** One loaded adapter. */
    private static final class Entry<T> {
        final LoraRequest request;
        final T value;
        boolean pinned;
        boolean isRegistered;
        int holders;

        Entry(LoraRequest request, T value) {
            this.request = request;
            this.value = value;
        }
    }

    /** A holder's claim on a loaded adapter; closing it twice is harmless. */
    public final class Hold implements AutoCloseable {
        private final Entry<T> entry;
        private boolean closed;

        private Hold(Entry<T> entry) {
            this.entry = entry;
            entry.holders++;
        }

        public T value() {
            return entry.value;
        }

        public LoraRequest request() {
            return entry.request;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            entry.holders--;
            unloadIfUnused(entry);
        }
    }

    /**
     * @param maxLoras    most pinned adapters (vLLM: adapter slots of one batch)
     * @param maxCpuLoras most registered adapters, at least maxLoras
     * @param loader      loads an adapter; throws for a bad one
     * @param unloader    frees a loaded adapter
     */
    public LoraRegistry(int maxLoras, int maxCpuLoras, Function<LoraRequest, T> loader, Consumer<T> unloader) {
        if (maxLoras < 1 || maxCpuLoras < maxLoras) {
            throw new IllegalArgumentException("need 1 <= max_loras (" + maxLoras + ") <= max_cpu_loras (" + maxCpuLoras + ")");
        }
        this.maxLoras = maxLoras;
        this.maxCpuLoras = maxCpuLoras;
        this.loader = loader;
        this.unloader = unloader;
    }

    /**
     * Registers an adapter: it is loaded first, so a bad file evicts nothing, then the least recently used
     * unpinned adapter makes room if needed. An adapter already registered under this id is only marked used.
     *
     * @return true, also when it was registered already
     * @throws LoraCapacityException when the registry is full of pinned adapters (the new one is freed again)
     */
    public boolean add(LoraRequest request) {
        Entry<T> entry = registered.get(request.id());
        if (entry != null) {
            touch(entry);
            return true;
        }
        entry = load(request);
        if (!register(entry)) {
            unloadIfUnused(entry);
            throw new LoraCapacityException("cannot add LoRA " + request.id() + ": all " + maxCpuLoras
                    + " registered adapters are pinned (remove one or raise max_cpu_loras)");
        }
        return true;
    }

    /** Unregisters an adapter, pinned or not; false when the id is not registered. */
    public boolean remove(int id) {
        Entry<T> entry = registered.remove(id);
        if (entry == null) {
            return false;
        }
        entry.isRegistered = false;
        entry.pinned = false;
        unloadIfUnused(entry);
        return true;
    }

    /**
     * Exempts a registered adapter from eviction.
     *
     * @throws UnknownLoraException  when the id is not registered
     * @throws LoraCapacityException when maxLoras adapters are pinned already
     */
    public boolean pin(int id) {
        Entry<T> entry = registered.get(id);
        if (entry == null) {
            throw new UnknownLoraException("Pinning", id);
        }
        if (!entry.pinned) {
            long pinned = registered.values().stream().filter(e -> e.pinned).count();
            if (pinned >= maxLoras) {
                throw new LoraCapacityException("cannot pin LoRA " + id + ": all " + maxLoras
                        + " adapter slots hold pinned adapters (remove one or raise max_loras)");
            }
            entry.pinned = true;
        }
        touch(entry);
        return true;
    }

    /** Ids of the registered adapters, pinned or not, in ascending order. */
    public Set<Integer> list() {
        return Collections.unmodifiableSet(new TreeSet<>(registered.keySet()));
    }

    /** Ids of the registered adapters, least recently used first. */
    public List<Integer> lruOrder() {
        return List.copyOf(registered.keySet());
    }

    /** Loaded adapters, including those only held by requests after removal or eviction. */
    public int loadedCount() {
        return loaded.size();
    }

    /**
     * Holds the adapter a request names: the registered one (marked used), else a newly loaded one that is
     * registered when there is room, or only held while the registry is full of pinned adapters.
     */
    public Hold hold(LoraRequest request) {
        Entry<T> entry = registered.get(request.id());
        if (entry != null) {
            touch(entry);
            return new Hold(entry);
        }
        entry = load(request);
        register(entry);
        return new Hold(entry);
    }

    private Entry<T> load(LoraRequest request) {
        Entry<T> entry = new Entry<>(request, loader.apply(request));
        loaded.add(entry);
        return entry;
    }

    private boolean register(Entry<T> entry) {
        if (registered.size() >= maxCpuLoras && !evictLeastRecentlyUsed()) {
            return false;
        }
        entry.isRegistered = true;
        registered.put(entry.request.id(), entry);
        return true;
    }

    private boolean evictLeastRecentlyUsed() {
        for (Iterator<Entry<T>> it = registered.values().iterator(); it.hasNext(); ) {
            Entry<T> oldest = it.next();
            if (!oldest.pinned) {
                it.remove();
                oldest.isRegistered = false;
                unloadIfUnused(oldest);
                return true;
            }
        }
        return false;
    }

    private void touch(Entry<T> entry) {
        registered.remove(entry.request.id());
        registered.put(entry.request.id(), entry);
    }

    private void unloadIfUnused(Entry<T> entry) {
        if (!entry.isRegistered && entry.holders == 0 && loaded.remove(entry)) {
            unloader.accept(entry.value);
        }
    }

    /** Frees every loaded adapter, held or not. */
    @Override
    public void close() {
        List<Entry<T>> all = new ArrayList<>(loaded);
        registered.clear();
        loaded.clear();
        for (Entry<T> entry : all) {
            unloader.accept(entry.value);
        }
    }

    /** For diagnostics: id → pinned, least recently used first. */
    public Map<Integer, Boolean> pins() {
        Map<Integer, Boolean> pins = new LinkedHashMap<>();
        registered.forEach((id, e) -> pins.put(id, e.pinned));
        return pins;
    }
}
