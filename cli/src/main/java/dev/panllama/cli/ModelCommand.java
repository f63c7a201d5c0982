package dev.panllama.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panllama.engine.convert.BertOnnxConverter;
import dev.panllama.engine.convert.Pooling;
import dev.panllama.engine.models.ModelInfo;
import dev.panllama.engine.models.ModelPreset;
import dev.panllama.engine.models.ModelSynthesizer;
import dev.panllama.engine.models.QuantType;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code panllama model}: make synthetic models, convert ONNX encoders and inspect GGUF files. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Synthesize, convert or inspect GGUF models.",
        subcommands = {ModelCommand.Synth.class, ModelCommand.Info.class, ModelCommand.ConvertOnnx.class})
final class ModelCommand {

    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write a model of real shapes with a real tokenizer and random weights (for speed and mechanics tests).")
    static final class Synth implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-p", "--preset"}, defaultValue = "tiny",
                description = "tiny, llama-3.2-1b, llama-3.1-8b, qwen2.5-0.5b, bert-mini (default: ${DEFAULT-VALUE}).")
        String preset;

        @Option(names = {"-o", "--output"}, required = true, description = "Where to write the GGUF file.")
        Path output;

        @Option(names = {"--type"}, defaultValue = "F16", description = "F32, F16, Q8_0, Q4_0, Q4_K_M (default: ${DEFAULT-VALUE}).")
        String type;

        @Option(names = "--seed", defaultValue = "0", description = "Weight seed; the same seed writes the same file.")
        long seed;

        @Override
        public Integer call() {
            ModelPreset chosen = ModelPreset.byName(preset);
            QuantType quant = QuantType.byName(type);
            Path written;
            try (ProgressBar bar = new ProgressBar(chosen.name())) {
                written = ModelSynthesizer.synthesize(chosen, output, quant, seed,
                        (phase, fraction) -> bar.update(fraction, phase.label()));
            }
            spec.commandLine().getOut().println(ModelInfo.read(written).render());
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a GGUF file's architecture, shapes and tensor types.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "The GGUF file.")
        Path model;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ModelInfo info = ModelInfo.read(model);
            spec.commandLine().getOut().println(json
                    ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info.toMap())
                    : info.render());
            return 0;
        }
    }

    @Command(name = "convert-onnx", mixinStandardHelpOptions = true,
            description = "Convert a BERT sentence-embedding model from ONNX (FP32) and its tokenizer.json to GGUF.")
    static final class ConvertOnnx implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--onnx", required = true, description = "The ONNX model (weights embedded).")
        Path onnx;

        @Option(names = "--tokenizer", required = true, description = "The Hugging Face tokenizer.json (WordPiece).")
        Path tokenizer;

        @Option(names = "--pooling", required = true, description = "mean or cls: how the model's card pools token states.")
        String pooling;

        @Option(names = "--type", defaultValue = "F32", description = "F32 (as in the ONNX file), F16, Q8_0 (default: ${DEFAULT-VALUE}).")
        String type;

        @Option(names = {"-o", "--output"}, required = true, description = "Where to write the GGUF file.")
        Path output;

        @Override
        public Integer call() {
            BertOnnxConverter.Result result = BertOnnxConverter.convert(onnx, tokenizer, Pooling.parse(pooling), output,
                    QuantType.byName(type));
            spec.commandLine().getOut().println(ModelInfo.read(result.output()).render());
            return 0;
        }
    }
}
