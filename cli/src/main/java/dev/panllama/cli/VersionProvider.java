package dev.panllama.cli;

import dev.panllama.bindings.LlamaPin;
import picocli.CommandLine;

/** Prints panllama's version and the llama.cpp release it is built on. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String own = Main.class.getPackage().getImplementationVersion();
        LlamaPin pin = LlamaPin.current();
        return new String[] {
            "panllama " + (own == null ? "dev" : own),
            "llama.cpp " + pin.version() + " (" + pin.commit() + ")"
        };
    }
}
