package dev.panllama.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs this very CLI in a JVM of its own: the same java binary, class path and
 * {@code panllama.*} system properties (native library location, cache directory) as this process, with native
 * access enabled, so the child finds the natives this process found.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** {@code java [jvmOptions] -cp <this class path> dev.panllama.cli.Main <arguments>}. */
    public static List<String> panllama(List<String> jvmOptions, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        System.getProperties().stringPropertyNames().stream().filter(p -> p.startsWith("panllama.")).sorted()
                .forEach(p -> command.add("-D" + p + "=" + System.getProperty(p)));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(arguments);
        return command;
    }
}
