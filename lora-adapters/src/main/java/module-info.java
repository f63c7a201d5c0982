/**
 * LoRA adapters: the registry (LRU with pinning), validation of adapter files in Java before llama.cpp sees them,
 * synthetic adapters, PEFT → GGUF conversion, and the engine's LoRA runtime (a service the engine finds).
 */
module dev.panllama.lora {
    requires dev.panllama.engine;
    requires org.slf4j;
    requires jdk.management;
    requires com.fasterxml.jackson.databind;

    exports dev.panllama.lora;

    provides dev.panllama.engine.lora.LoraRuntimeProvider with dev.panllama.lora.NativeLoraRuntimeProvider;
}
