package dev.panllama.benchmarks;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the panllama checkout the harness runs from: the reference tools are built by its
 * {@code native-build/build-natives.sh}, and reports go under its {@code benchmarks/results}.
 */
public final class RepoLayout {
    static final String BUILD_SCRIPT = "native-build/build-natives.sh";
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm").withZone(ZoneOffset.UTC);

    private final Path root;

    private RepoLayout(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path buildScript() {
        return root.resolve(BUILD_SCRIPT);
    }

    public Path lockFile() {
        return root.resolve("native-build/llama.lock");
    }

    public Path resultsDir() {
        return root.resolve("benchmarks/results");
    }

    /** {@code benchmarks/results/<yyyy-MM-dd-HHmm>-<name>}, the time in UTC: a report directory of its own per run. */
    public Path datedResultsDir(String name) {
        return resultsDir().resolve(RUN_TIME.format(Instant.now()) + "-" + name);
    }

    /** The checkout above the working directory, else the one the harness's own classes were loaded from. */
    public static RepoLayout locate() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        codeLocation().ifPresent(starts::add);
        for (Path start : starts) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve(BUILD_SCRIPT))) {
                    return new RepoLayout(dir);
                }
            }
        }
        throw new IllegalStateException("no panllama checkout (a directory with " + BUILD_SCRIPT + ") above " + starts
                + "; run the benchmark from inside the repository");
    }

    private static Optional<Path> codeLocation() {
        try {
            var source = RepoLayout.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()).toAbsolutePath());
        } catch (URISyntaxException | SecurityException e) {
            return Optional.empty();
        }
    }
}
