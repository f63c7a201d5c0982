/** panllama's idiomatic API: native wrappers whose lifetimes Arenas own, GGUF files, model tools, the engine. */
module dev.panllama.engine {
    requires transitive dev.panllama.bindings;
    requires org.slf4j;
    requires java.net.http;
    requires jinjava;

    exports dev.panllama.engine;
    exports dev.panllama.engine.gguf;
    exports dev.panllama.engine.lora;
    exports dev.panllama.engine.models;
    exports dev.panllama.engine.nativeapi;

    uses dev.panllama.engine.lora.LoraRuntimeProvider;
}
