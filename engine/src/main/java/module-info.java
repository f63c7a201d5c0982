/** panllama's idiomatic API: native wrappers whose lifetimes Arenas own, GGUF files, model tools, the engine. */
module dev.panllama.engine {
    requires transitive dev.panllama.bindings;
    requires org.slf4j;
    requires java.net.http;
    requires jinjava;
    requires jdk.httpserver;
    requires com.fasterxml.jackson.databind;

    uses dev.panllama.engine.workers.WorkerMethod;

    exports dev.panllama.engine;
    exports dev.panllama.engine.gguf;
    exports dev.panllama.engine.models;
    exports dev.panllama.engine.nativeapi;
    exports dev.panllama.engine.workers;
    exports dev.panllama.engine.dp;

    opens dev.panllama.engine.workers to com.fasterxml.jackson.databind;
}
