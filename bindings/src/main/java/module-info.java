/**
 * FFM bindings of the pinned llama.cpp release and the loader that finds its shared libraries.
 * The generated package is visible only to panllama's own modules: everything else goes through
 * the engine's wrappers, which own every native lifetime.
 */
module dev.panllama.bindings {
    requires org.slf4j;

    exports dev.panllama.bindings;
    exports dev.panllama.bindings.internal to
            dev.panllama.engine, dev.panllama.lora, dev.panllama.cli, dev.panllama.benchmarks;
}
