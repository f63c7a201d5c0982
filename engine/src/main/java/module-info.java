/** panllama's idiomatic API: native wrappers whose lifetimes Arenas own, GGUF files, model tools, the engine. */
module dev.panllama.engine {
    requires transitive dev.panllama.bindings;
    requires org.slf4j;
    requires java.net.http;
    requires jinjava;
    requires jdk.jfr;
    requires transitive micrometer.core;
    requires micrometer.registry.prometheus;
    requires transitive io.opentelemetry.api;
    requires io.opentelemetry.context;
    requires com.google.protobuf;
    requires com.fasterxml.jackson.databind;
    requires jdk.httpserver;

    uses dev.panllama.engine.workers.WorkerMethod;

    exports dev.panllama.engine;
    exports dev.panllama.engine.convert;
    exports dev.panllama.engine.gguf;
    exports dev.panllama.engine.metrics;
    exports dev.panllama.engine.profiling;
    exports dev.panllama.engine.lora;
    exports dev.panllama.engine.models;
    exports dev.panllama.engine.nativeapi;

    uses dev.panllama.engine.lora.LoraRuntimeProvider;
    exports dev.panllama.engine.workers;
    exports dev.panllama.engine.dp;

    opens dev.panllama.engine.workers to com.fasterxml.jackson.databind;
}
