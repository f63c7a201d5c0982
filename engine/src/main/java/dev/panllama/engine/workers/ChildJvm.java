package dev.panllama.engine.workers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts a class of this program in a JVM of its own: the same java binary, class path and
 * {@code panllama.*} system properties (native library location and variant, cache directory) as this process, with
 * native access enabled, so the child finds the natives this process found.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** {@code java [jvmOptions] -cp <this class path> mainClass <arguments>}. */
    public static List<String> command(String mainClass, List<String> jvmOptions, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        System.getProperties().stringPropertyNames().stream().filter(p -> p.startsWith("panllama.")).sorted()
                .forEach(p -> command.add("-D" + p + "=" + System.getProperty(p)));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(arguments);
        return command;
    }
}
