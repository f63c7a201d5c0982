package dev.panllama.lora;

import dev.panllama.engine.lora.LoraRuntime;
import dev.panllama.engine.lora.LoraRuntimeProvider;
import dev.panllama.engine.nativeapi.Model;
import java.nio.file.Path;
import java.util.List;

/** The service the engine finds when it is built with LoRA enabled. */
public final class NativeLoraRuntimeProvider implements LoraRuntimeProvider {

    @Override
    public LoraRuntime create(Model model, int maxLoras, int maxCpuLoras, List<Path> allowedDirs) {
        return new NativeLoraRuntime(model, maxLoras, maxCpuLoras, new AllowedDirectories(allowedDirs));
    }
}
