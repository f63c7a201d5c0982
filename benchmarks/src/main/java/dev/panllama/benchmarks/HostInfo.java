package dev.panllama.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a report says about where it ran: the checkout's commit, the pinned llama.cpp, the CPU. */
public final class HostInfo {
    private HostInfo() {}

    static String commit(RepoLayout repo) {
        String head = git(repo, "rev-parse", "--short=12", "HEAD");
        if (head.isEmpty()) {
            return "unknown";
        }
        return git(repo, "status", "--porcelain", "--untracked-files=no").isEmpty() ? head : head + "+dirty";
    }

    static String llamaCpp(RepoLayout repo) {
        try {
            List<String> lines = Files.readAllLines(repo.lockFile());
            return lockValue(lines, "llama.version") + " (" + lockValue(lines, "llama.commit") + ")";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** Host, panllama commit and llama.cpp version, in that order, as the serving and prefix reports print them. */
    static Map<String, String> summary(RepoLayout repo) {
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("host", host());
        summary.put("panllama", commit(repo));
        summary.put("llama.cpp", llamaCpp(repo));
        return summary;
    }

    static String host() {
        return cpu() + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name");
    }

    /** The CPU's model name, else the architecture's name (enough to say where a report ran). */
    public static String cpu() {
        String arch = System.getProperty("os.arch");
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try {
            if (Files.isReadable(cpuinfo)) {
                return Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(arch);
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable cpuinfo leaves the architecture's name
        }
        return arch;
    }

    private static String lockValue(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst().orElse("?");
    }

    private static String git(RepoLayout repo, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", repo.root().toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
