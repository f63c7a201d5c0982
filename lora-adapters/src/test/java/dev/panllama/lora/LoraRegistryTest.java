package dev.panllama.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.LoraRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The registry alone: LRU with pinning, vLLM's add/pin/evict/remove sequence, holders outliving removal. */
class LoraRegistryTest {
    private final List<String> unloaded = new ArrayList<>();

    private LoraRegistry<String> registry(int maxLoras, int maxCpuLoras) {
        return new LoraRegistry<>(maxLoras, maxCpuLoras, r -> "adapter-" + r.id(), unloaded::add);
    }

    static LoraRequest request(int id) {
        return new LoraRequest(Integer.toString(id), id, Path.of("adapter.gguf"));
    }

    /** tests/lora/test_lora_functions.py with max_loras = max_cpu_loras = 4: the set after every call. */
    static final Object[][] VLLM_SEQUENCE = {
        {"add", 1, Set.of(1)}, {"add", 2, Set.of(1, 2)},
        {"pin", 1, Set.of(1, 2)},
        {"add", 3, Set.of(1, 2, 3)}, {"add", 4, Set.of(1, 2, 3, 4)},
        {"add", 5, Set.of(1, 5, 3, 4)}, {"add", 6, Set.of(1, 5, 6, 4)}, {"add", 7, Set.of(1, 5, 6, 7)},
        {"add", 8, Set.of(1, 8, 6, 7)}, {"add", 9, Set.of(1, 8, 9, 7)}, {"add", 10, Set.of(1, 8, 9, 10)},
        {"remove", 1, Set.of(8, 9, 10)},
        {"add", 11, Set.of(8, 9, 10, 11)}, {"add", 12, Set.of(12, 9, 10, 11)}, {"add", 13, Set.of(12, 13, 10, 11)},
        {"remove", 13, Set.of(12, 10, 11)}, {"remove", 12, Set.of(10, 11)}, {"remove", 11, Set.of(10)},
        {"remove", 10, Set.of()},
    };

    @Test
    void vllmEvictionSequence() {
        try (LoraRegistry<String> registry = registry(4, 4)) {
            for (Object[] step : VLLM_SEQUENCE) {
                int id = (int) step[1];
                boolean result = switch ((String) step[0]) {
                    case "add" -> registry.add(request(id));
                    case "pin" -> registry.pin(id);
                    default -> registry.remove(id);
                };
                assertTrue(result, step[0] + " " + id);
                assertEquals(step[2], registry.list(), "after " + step[0] + " " + id);
            }
            assertEquals(0, registry.loadedCount());
            assertEquals(13, unloaded.size(), "every adapter was freed exactly once: " + unloaded);
        }
    }

    @Test
    void addOfARegisteredIdIsTrueAndMarksItUsed() {
        try (LoraRegistry<String> registry = registry(2, 2)) {
            registry.add(request(1));
            registry.add(request(2));
            assertTrue(registry.add(request(1)));
            registry.add(request(3));
            assertEquals(Set.of(1, 3), registry.list(), "2 was least recently used");
        }
    }

    @Test
    void removeOfAnUnknownIdIsFalse() {
        try (LoraRegistry<String> registry = registry(1, 1)) {
            assertFalse(registry.remove(7));
            registry.add(request(7));
            assertTrue(registry.remove(7));
            assertFalse(registry.remove(7));
        }
    }

    @Test
    void removeDropsPinnedAdapters() {
        try (LoraRegistry<String> registry = registry(1, 2)) {
            registry.add(request(1));
            registry.pin(1);
            assertTrue(registry.remove(1));
            assertEquals(Set.of(), registry.list());
            assertEquals(List.of("adapter-1"), unloaded);
        }
    }

    @Test
    void pinOfAnUnknownIdIsATypedError() {
        try (LoraRegistry<String> registry = registry(1, 1)) {
            UnknownLoraException e = assertThrows(UnknownLoraException.class, () -> registry.pin(3));
            assertEquals("lora_int_id", e.field());
            assertTrue(e.getMessage().contains("LoRA 3 is not registered"), e.getMessage());
        }
    }

    @Test
    void pinningMoreThanMaxLorasIsATypedError() {
        try (LoraRegistry<String> registry = registry(2, 3)) {
            registry.add(request(1));
            registry.add(request(2));
            registry.add(request(3));
            registry.pin(1);
            registry.pin(2);
            assertTrue(registry.pin(2), "pinning a pinned adapter again is fine");
            assertThrows(LoraCapacityException.class, () -> registry.pin(3));
        }
    }

    @Test
    void addingToARegistryFullOfPinsFailsAndEvictsNothing() {
        try (LoraRegistry<String> registry = registry(2, 2)) {
            registry.add(request(1));
            registry.add(request(2));
            registry.pin(1);
            registry.pin(2);
            assertThrows(LoraCapacityException.class, () -> registry.add(request(3)));
            assertEquals(Set.of(1, 2), registry.list());
            assertEquals(List.of("adapter-3"), unloaded, "the new adapter was loaded, then freed again");
        }
    }

    @Test
    void aBadAdapterEvictsNothing() {
        try (LoraRegistry<String> registry = new LoraRegistry<>(1, 1, r -> {
            if (r.id() == 2) {
                throw new IllegalArgumentException("bad file");
            }
            return "adapter-" + r.id();
        }, unloaded::add)) {
            registry.add(request(1));
            assertThrows(IllegalArgumentException.class, () -> registry.add(request(2)));
            assertEquals(Set.of(1), registry.list());
            assertEquals(List.of(), unloaded);
        }
    }

    @Test
    void aHeldAdapterOutlivesItsRemovalAndEviction() {
        try (LoraRegistry<String> registry = registry(1, 1)) {
            LoraRegistry<String>.Hold removed = registry.hold(request(1));
            assertTrue(registry.remove(1));
            assertEquals(List.of(), unloaded, "still held by a running request");
            LoraRegistry<String>.Hold evicted = registry.hold(request(2));
            registry.add(request(3));
            assertEquals(Set.of(3), registry.list());
            assertEquals(List.of(), unloaded);
            removed.close();
            removed.close();
            assertEquals(List.of("adapter-1"), unloaded);
            evicted.close();
            assertEquals(List.of("adapter-1", "adapter-2"), unloaded);
        }
        assertEquals(List.of("adapter-1", "adapter-2", "adapter-3"), unloaded);
    }

    @Test
    void aRequestForAnAdapterBeyondAFullSetOfPinsIsHeldUnregistered() {
        try (LoraRegistry<String> registry = registry(1, 1)) {
            registry.add(request(1));
            registry.pin(1);
            LoraRegistry<String>.Hold hold = registry.hold(request(2));
            assertEquals("adapter-2", hold.value());
            assertEquals(Set.of(1), registry.list());
            hold.close();
            assertEquals(List.of("adapter-2"), unloaded);
        }
    }
}
