package dev.panllama.acceptance;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations in the repository as seen from the acceptance module (Failsafe runs in src/test). */
final class RepoPaths {
    private RepoPaths() {}

    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("native-build/build-natives.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
