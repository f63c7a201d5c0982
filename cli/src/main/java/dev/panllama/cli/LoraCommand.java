package dev.panllama.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.lora.LoraCompatibility;
import dev.panllama.lora.LoraFile;
import dev.panllama.lora.LoraSynthesizer;
import dev.panllama.lora.MixedAdapterBenchmark;
import dev.panllama.lora.PeftConverter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code panllama lora}: make, inspect and convert LoRA adapters. */
@Command(name = "lora", mixinStandardHelpOptions = true, description = "Synthesize, inspect or convert LoRA adapters.",
        subcommands = {LoraCommand.Synth.class, LoraCommand.Info.class, LoraCommand.Convert.class, LoraCommand.Bench.class})
final class LoraCommand {

    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write a random LoRA adapter that fits a model (for tests and benchmarks).")
    static final class Synth implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-m", "--model"}, required = true, description = "The GGUF model the adapter is for.")
        Path model;

        @Option(names = {"-o", "--output"}, required = true, description = "Where to write the GGUF adapter.")
        Path output;

        @Option(names = {"-r", "--rank"}, defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
        int rank;

        @Option(names = "--alpha", description = "adapter.lora.alpha (default: the rank, so the scale is 1).")
        Float alpha;

        @Option(names = "--targets", split = ",", description = "Weights to adapt, e.g. attn_q,attn_v,ffn_down"
                + " (default: attn_q,attn_k,attn_v,attn_output).")
        List<String> targets;

        @Option(names = "--layers", split = ",", description = "Blocks to adapt, e.g. 0,1 (default: all).")
        List<Integer> layers;

        @Option(names = "--seed", defaultValue = "42", description = "The same seed writes the same adapter.")
        long seed;

        @Option(names = "--std", defaultValue = "0.05", description = "Standard deviation of B's entries (default: ${DEFAULT-VALUE}).")
        double std;

        @Override
        public Integer call() {
            LoraFile written = LoraSynthesizer.synthesize(model, output, new LoraSynthesizer.Options(rank,
                    alpha == null ? rank : alpha, targets, layers, seed, std));
            spec.commandLine().getOut().println(render(written));
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show a GGUF LoRA adapter's architecture, rank, alpha and adapted weights.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "The GGUF adapter.")
        Path adapter;

        @Option(names = {"-m", "--model"}, description = "Also check that the adapter fits this GGUF model.")
        Path model;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            LoraFile file = LoraFile.read(adapter);
            if (model != null) {
                LoraCompatibility.check(file, GgufFile.read(model));
            }
            spec.commandLine().getOut().println(json
                    ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap(file, model))
                    : render(file) + (model == null ? "" : "\nfits model " + model));
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Convert a Hugging Face PEFT LoRA (adapter_config.json + adapter_model.safetensors) to a GGUF LoRA.")
    static final class Convert implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "The PEFT adapter directory.")
        Path adapterDir;

        @Option(names = {"-m", "--model"}, required = true, description = "The GGUF base model (llama family).")
        Path model;

        @Option(names = {"-o", "--output"}, required = true, description = "Where to write the GGUF adapter.")
        Path output;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(render(PeftConverter.convert(adapterDir, model, output)));
            return 0;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Throughput of concurrent requests with mixed adapters vs the same requests on the base model;"
                    + " writes lora-mixed.json and lora-mixed.md.")
    static final class Bench implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-m", "--model"}, required = true, description = "The GGUF model.")
        Path model;

        @Option(names = "--adapters", defaultValue = "3", description = "Random adapters to mix in (default: ${DEFAULT-VALUE}).")
        int adapters;

        @Option(names = "--requests", defaultValue = "16", description = "Concurrent requests (default: ${DEFAULT-VALUE}).")
        int requests;

        @Option(names = {"-n", "--max-tokens"}, defaultValue = "64", description = "Tokens per request (default: ${DEFAULT-VALUE}).")
        int maxTokens;

        @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per scenario (default: ${DEFAULT-VALUE}).")
        int repeats;

        @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "CPU threads (default: all cores).")
        int threads;

        @Option(names = {"-o", "--output"}, defaultValue = "target/bench", description = "Report directory (default: ${DEFAULT-VALUE}).")
        Path output;

        @Override
        public Integer call() throws Exception {
            List<Path> files = new java.util.ArrayList<>();
            Path dir = java.nio.file.Files.createDirectories(output.resolve("adapters"));
            for (int i = 1; i <= adapters; i++) {
                files.add(LoraSynthesizer.synthesize(model, dir.resolve("adapter-" + i + ".gguf"),
                        new LoraSynthesizer.Options(8, 8f, null, null, i, 0.05)).path());
            }
            MixedAdapterBenchmark.run(model, files, new MixedAdapterBenchmark.Settings(requests, maxTokens, repeats,
                    threads), output);
            spec.commandLine().getOut().println(java.nio.file.Files.readString(output.resolve("lora-mixed.md")));
            return 0;
        }
    }

    static Map<String, Object> toMap(LoraFile file, Path model) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("path", file.path().toString());
        map.put("name", file.name());
        map.put("architecture", file.architecture());
        map.put("rank", file.rank());
        map.put("alpha", file.alpha());
        Map<String, Object> weights = new LinkedHashMap<>();
        file.pairs().forEach((weight, pair) -> weights.put(weight, Map.of(
                "a", Arrays.stream(pair.a().shape()).boxed().toList(), "b", Arrays.stream(pair.b().shape()).boxed().toList(),
                "rank", pair.rank())));
        map.put("weights", weights);
        if (model != null) {
            map.put("fits_model", model.toString());
        }
        return map;
    }

    static String render(LoraFile file) {
        StringBuilder s = new StringBuilder();
        s.append("LoRA adapter  ").append(file.path()).append('\n');
        s.append("name          ").append(file.name() == null ? "-" : file.name()).append('\n');
        s.append("architecture  ").append(file.architecture()).append('\n');
        s.append("rank          ").append(file.rank()).append('\n');
        s.append("alpha         ").append(file.alpha() == 0 ? "- (scale applies as given)" : file.alpha()).append('\n');
        s.append("weights       ").append(file.pairs().size());
        file.pairs().forEach((weight, pair) -> s.append("\n  ").append(weight).append("  A ")
                .append(Arrays.toString(pair.a().shape())).append("  B ").append(Arrays.toString(pair.b().shape())));
        return s.toString();
    }
}
