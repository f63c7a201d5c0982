package dev.panllama.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panllama.bindings.internal.llama_batch;
import dev.panllama.bindings.internal.llama_model_kv_override;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.PaddingLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every jextract-generated struct/union layout against what the C compiler says about the same
 * headers. jextract computes layouts with its own clang for the machine it ran on; if the headers, the
 * pin or the target ABI drift, a wrong offset silently corrupts memory instead of failing, so the only
 * trustworthy oracle is the system compiler compiling the very headers the natives were built from.
 *
 * <p>The headers have no bitfields today (checked: no {@code type name : width;} member in llama.h,
 * gguf.h, ggml.h, ggml-backend.h, ggml-rpc.h). {@code offsetof}/{@code sizeof} cannot take a bitfield,
 * so should one appear, jextract would emit it as padding, which this test skips as it skips all padding.
 */
class AbiLayoutTest {
    private static final String INTERNAL_PACKAGE = "dev.panllama.bindings.internal";
    private static final String INTERNAL_SOURCES = "src/main/java/dev/panllama/bindings/internal";
    private static final List<String> HEADERS = List.of("llama.h", "gguf.h", "ggml.h", "ggml-backend.h", "ggml-rpc.h");
    /** Passed and returned by value across the FFM boundary, so a wrong layout there breaks the call itself. */
    private static final Set<String> BY_VALUE = Set.of("llama_model_params", "llama_context_params", "llama_batch",
            "llama_sampler_chain_params", "llama_model_quantize_params", "llama_token_data", "llama_token_data_array");
    private static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** One named member as seen from the start of its outermost struct. */
    record Member(String name, long offset, long size) {}

    /** What one side (Java layout or C compiler) says about a struct. */
    record Facts(long size, long alignment, Map<String, Member> members) {}

    @Test
    void generatedLayoutsMatchTheCCompiler(@TempDir Path work) throws Exception {
        Path include = includeDir();
        List<String> problems = new ArrayList<>();
        Map<String, GroupLayout> layouts = generatedLayouts(problems);

        assertTrue(layouts.size() >= 15, "only " + layouts.size() + " struct layouts found: " + layouts.keySet());
        Set<String> missing = new TreeSet<>(BY_VALUE);
        missing.removeAll(layouts.keySet());
        assertTrue(missing.isEmpty(), "by-value structs not among the generated layouts: " + missing);

        Map<String, Facts> java = new TreeMap<>();
        layouts.forEach((name, layout) -> java.put(name, javaFacts(name, layout, problems)));
        String program = cProgram(java, headerText(include));
        Map<String, Facts> c = parseCOutput(compileAndRun(program, include, work));
        problems.addAll(compare(java, c));

        if (!problems.isEmpty()) {
            fail(problems.size() + " ABI mismatch(es) between the generated layouts and " + include
                    + " (regenerate with bindings/regenerate-bindings.sh):\n  " + String.join("\n  ", problems));
        }
    }

    /** Without this the main test could be vacuous: a comparator that never reports would always pass. */
    @Test
    void comparatorDetectsShiftedField() {
        GroupLayout genuine = llama_batch.layout();
        // what a correct compiler reports is, by the main test, exactly the genuine layout
        Map<String, Facts> c = Map.of("llama_batch", javaFacts("llama_batch", genuine, new ArrayList<>()));

        // 8 more bytes of padding after n_tokens keeps every pointer aligned but moves each one
        MemoryLayout[] members = genuine.memberLayouts().stream()
                .map(m -> m instanceof PaddingLayout p ? MemoryLayout.paddingLayout(p.byteSize() + 8) : m)
                .toArray(MemoryLayout[]::new);
        GroupLayout shifted = MemoryLayout.structLayout(members).withName("llama_batch");

        List<String> problems = new ArrayList<>();
        List<String> mismatches = compare(Map.of("llama_batch", javaFacts("llama_batch", shifted, problems)), c);

        assertTrue(problems.isEmpty(), problems::toString);
        assertTrue(mismatches.contains("llama_batch: C sizeof 56, Java 64"), mismatches::toString);
        assertTrue(mismatches.contains("llama_batch.token: C offset 8, Java 16"), mismatches::toString);
        assertTrue(mismatches.contains("llama_batch.logits: C offset 48, Java 56"), mismatches::toString);
        assertTrue(mismatches.stream().noneMatch(m -> m.startsWith("llama_batch.n_tokens")), mismatches::toString);
        assertEquals(List.of(), compare(c, c));
    }

    /** C exposes anonymous-union members as direct members, so the comparison must see them that way. */
    @Test
    void anonymousUnionMembersAreCheckedAsDirectMembers() {
        List<String> problems = new ArrayList<>();
        Facts facts = javaFacts("llama_model_kv_override", llama_model_kv_override.layout(), problems);

        assertTrue(problems.isEmpty(), problems::toString);
        assertEquals(Set.of("tag", "key", "val_i64", "val_f64", "val_bool", "val_str"), facts.members().keySet());
        long unionStart = facts.members().get("val_i64").offset();
        assertEquals(unionStart, facts.members().get("val_str").offset());
        assertEquals(128, facts.members().get("val_str").size());
        assertTrue(unionStart > facts.members().get("key").offset(), facts::toString);
    }

    static Path includeDir() {
        Path include = CacheLocation.nativeBuild(LlamaPin.current().version(), Platform.current(), "cpu").resolve("include");
        if (!Files.isRegularFile(include.resolve("llama.h"))) {
            fail("No llama.cpp headers in " + include + ": the ABI check needs the headers the natives were built from."
                    + " Fix: run `native-build/build-natives.sh --variant cpu`.");
        }
        return include;
    }

    /** Every class with a static {@code layout()} in the generated package, nested ones included. */
    static Map<String, GroupLayout> generatedLayouts(List<String> problems) throws IOException {
        Path sources = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve(INTERNAL_SOURCES);
        assertTrue(Files.isDirectory(sources), "generated sources not found at " + sources);
        List<String> classNames;
        try (Stream<Path> files = Files.list(sources)) {
            classNames = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".java"))
                    .map(f -> INTERNAL_PACKAGE + "." + f.substring(0, f.length() - ".java".length()))
                    .sorted()
                    .toList();
        }
        Map<String, GroupLayout> layouts = new TreeMap<>();
        for (String className : classNames) {
            try {
                collectLayouts(Class.forName(className, false, AbiLayoutTest.class.getClassLoader()), layouts, problems);
            } catch (ClassNotFoundException | LinkageError e) {
                problems.add(className + ": not loadable (" + e + ")");
            }
        }
        return layouts;
    }

    private static void collectLayouts(Class<?> type, Map<String, GroupLayout> layouts, List<String> problems) {
        String name = type.getSimpleName();
        try {
            Method layout = type.getDeclaredMethod("layout");
            // jextract names nested anonymous structs $anon$...: C cannot name them, their members are
            // checked through the enclosing struct
            if (Modifier.isStatic(layout.getModifiers()) && GroupLayout.class.isAssignableFrom(layout.getReturnType())
                    && !name.startsWith("$anon")) {
                layout.setAccessible(true);
                layouts.put(name, (GroupLayout) layout.invoke(null));
            }
        } catch (NoSuchMethodException e) {
            // function pointers, constants holders: no layout to check
        } catch (InvocationTargetException | IllegalAccessException | LinkageError e) {
            problems.add(name + ": layout() failed: " + (e instanceof InvocationTargetException i ? i.getCause() : e));
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            collectLayouts(nested, layouts, problems);
        }
    }

    static Facts javaFacts(String struct, GroupLayout layout, List<String> problems) {
        Map<String, Member> members = new LinkedHashMap<>();
        flatten(struct, layout, 0, members, problems);
        return new Facts(layout.byteSize(), layout.byteAlignment(), members);
    }

    private static void flatten(String struct, GroupLayout group, long base, Map<String, Member> out, List<String> problems) {
        List<MemoryLayout> members = group.memberLayouts();
        for (int i = 0; i < members.size(); i++) {
            MemoryLayout member = members.get(i);
            // the same offset the generated accessors use, for structs and unions alike
            long offset = base + group.byteOffset(PathElement.groupElement(i));
            String name = member.name().orElse("");
            if (member instanceof PaddingLayout) {
                continue;
            }
            if (member instanceof GroupLayout inner && (name.isEmpty() || name.startsWith("$anon$"))) {
                flatten(struct, inner, offset, out, problems);
            } else if (!C_IDENTIFIER.matcher(name).matches()) {
                problems.add(struct + ": member #" + i + " at offset " + offset + " has no C name (" + member + ")");
            } else if (out.putIfAbsent(name, new Member(name, offset, member.byteSize())) != null) {
                problems.add(struct + "." + name + ": declared twice in the Java layout");
            }
        }
    }

    /** Every Java-side mismatch against the C facts, as {@code struct.member: C offset x, Java y}. */
    static List<String> compare(Map<String, Facts> java, Map<String, Facts> c) {
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, Facts> entry : new TreeMap<>(java).entrySet()) {
            String struct = entry.getKey();
            Facts j = entry.getValue();
            Facts cf = c.get(struct);
            if (cf == null) {
                mismatches.add(struct + ": missing from the C program output");
                continue;
            }
            if (cf.size() != j.size()) {
                mismatches.add(struct + ": C sizeof " + cf.size() + ", Java " + j.size());
            }
            if (cf.alignment() != j.alignment()) {
                mismatches.add(struct + ": C _Alignof " + cf.alignment() + ", Java " + j.alignment());
            }
            for (Member jm : j.members().values()) {
                Member cm = cf.members().get(jm.name());
                if (cm == null) {
                    mismatches.add(struct + "." + jm.name() + ": missing from the C program output");
                    continue;
                }
                if (cm.offset() != jm.offset()) {
                    mismatches.add(struct + "." + jm.name() + ": C offset " + cm.offset() + ", Java " + jm.offset());
                }
                if (cm.size() != jm.size()) {
                    mismatches.add(struct + "." + jm.name() + ": C size " + cm.size() + ", Java " + jm.size());
                }
            }
        }
        return mismatches;
    }

    private static String headerText(Path include) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String header : HEADERS) {
            text.append(Files.readString(include.resolve(header), StandardCharsets.UTF_8)).append('\n');
        }
        return text.toString();
    }

    /** {@code struct X} where the headers define a tagged struct (or union), else the typedef name. */
    static String cType(String name, String headerText) {
        for (String keyword : List.of("struct", "union")) {
            if (Pattern.compile("\\b" + keyword + "\\s+" + Pattern.quote(name) + "\\s*\\{").matcher(headerText).find()) {
                return keyword + " " + name;
            }
        }
        return name;
    }

    private static String cProgram(Map<String, Facts> java, String headerText) {
        StringBuilder c = new StringBuilder();
        for (String header : HEADERS) {
            c.append("#include \"").append(header).append("\"\n");
        }
        c.append("#include <stddef.h>\n#include <stdio.h>\n\nint main(void) {\n");
        java.forEach((name, facts) -> {
            String type = cType(name, headerText);
            c.append("    printf(\"S %s %zu %zu\\n\", \"").append(name).append("\", sizeof(").append(type)
                    .append("), _Alignof(").append(type).append("));\n");
            for (Member m : facts.members().values()) {
                c.append("    printf(\"M %s %s %zu %zu\\n\", \"").append(name).append("\", \"").append(m.name())
                        .append("\", offsetof(").append(type).append(", ").append(m.name()).append("), sizeof(((")
                        .append(type).append(" *) 0)->").append(m.name()).append("));\n");
            }
        });
        return c.append("    return 0;\n}\n").toString();
    }

    private static String compileAndRun(String program, Path include, Path work) throws Exception {
        Path source = work.resolve("abi_layout.c");
        Path executable = work.resolve("abi_layout");
        Files.writeString(source, program);
        run(List.of("gcc", "-std=gnu11", "-I" + include, "-o", executable.toString(), source.toString()),
                "compiling " + source + " (the generated layouts name members the headers lack?)");
        return run(List.of(executable.toString()), "running " + executable);
    }

    private static String run(List<String> command, String what) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("could not start " + command.getFirst() + " for the ABI check (" + e.getMessage()
                    + "). Fix: install gcc.", e);
        }
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("timed out " + what);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            fail("failed " + what + " (exit " + process.exitValue() + "):\n" + text);
        }
        return text;
    }

    private static Map<String, Facts> parseCOutput(String output) {
        Map<String, Facts> facts = new TreeMap<>();
        for (String line : output.split("\n")) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "S" -> facts.put(f[1], new Facts(Long.parseLong(f[2]), Long.parseLong(f[3]), new LinkedHashMap<>()));
                case "M" -> facts.get(f[1]).members().put(f[2], new Member(f[2], Long.parseLong(f[3]), Long.parseLong(f[4])));
                case "" -> { }
                default -> fail("unexpected line from the C program: " + line);
            }
        }
        return facts;
    }
}
