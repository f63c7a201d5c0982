package dev.panllama.engine.lora;

import dev.panllama.engine.nativeapi.Model;
import java.nio.file.Path;
import java.util.List;

/** Makes the {@link LoraRuntime} of one model; the LoRA module provides it as a service. */
public interface LoraRuntimeProvider {

    /**
     * @param maxLoras    distinct adapters running requests may use at once; others wait
     * @param maxCpuLoras adapters kept loaded in the registry (LRU with pinning), at least maxLoras
     * @param allowedDirs directories adapter files must lie under; empty allows any path
     */
    LoraRuntime create(Model model, int maxLoras, int maxCpuLoras, List<Path> allowedDirs);
}
