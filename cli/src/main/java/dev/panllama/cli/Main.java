package dev.panllama.cli;

import dev.panllama.bindings.NativeLibraryException;
import dev.panllama.engine.PanllamaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code panllama}. Typed errors become one-line messages and exit code 1, never stack traces. */
@Command(name = "panllama", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Serve LLMs on llama.cpp/ggml from the JVM.",
        subcommands = {GenerateCommand.class, ChatCommand.class, TokenizeCommand.class, EmbedCommand.class, ModelCommand.class,
            LoraCommand.class, ServeCommand.class, WorkerCommand.class, BenchCommand.class, BenchRpcCommand.class,
            CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests use it without exiting the JVM). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line, so callers can redirect its output before executing. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof PanllamaException || e instanceof NativeLibraryException || e instanceof IllegalArgumentException) {
                commandLine.getErr().println("panllama: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli;
    }
}
