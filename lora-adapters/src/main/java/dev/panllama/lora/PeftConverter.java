package dev.panllama.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Converts a Hugging Face PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) for a llama model
 * to a GGUF LoRA, as llama.cpp's convert_lora_to_gguf.py does: module names map to GGUF weight names, A
 * ([r, in] row-major) and B ([out, r]) keep their bytes (ggml reads them as [in, r] and [r, out]), B's rows of q
 * and k follow llama.cpp's rotary reordering, and {@code lora_alpha} becomes {@code adapter.lora.alpha}
 * (rsLoRA's alpha/√r is written as alpha·√r, since llama.cpp divides by r). The base model (GGUF) supplies the
 * architecture and head counts, and the result is checked against its shapes.
 */
public final class PeftConverter {
    private static final String CONFIG = "adapter_config.json";
    private static final String WEIGHTS = "adapter_model.safetensors";

    private PeftConverter() {}

    /**
     * @param adapterDir the PEFT adapter directory
     * @param baseModel  the GGUF model the adapter was trained for
     * @param output     the GGUF LoRA to write
     * @return the written adapter, read back and checked against the model
     * @throws PeftConversionException     for a missing, unsupported or inconsistent adapter
     * @throws InvalidLoraAdapterException when the result does not fit the model's shapes
     */
    public static LoraFile convert(Path adapterDir, Path baseModel, Path output) {
        JsonNode config = config(adapterDir);
        GgufFile model = GgufFile.read(baseModel);
        if (!"llama".equals(model.architecture())) {
            throw new PeftConversionException("conversion supports llama models; " + baseModel.getFileName()
                    + " is '" + model.architecture() + "'");
        }
        int rank = config.path("r").asInt(0);
        double alpha = config.path("lora_alpha").asDouble(rank);
        if (rank < 1) {
            throw new PeftConversionException(adapterDir.resolve(CONFIG) + ": 'r' must be a positive integer");
        }
        if (config.path("use_dora").asBoolean(false) || config.path("fan_in_fan_out").asBoolean(false)
                || config.path("alpha_pattern").size() > 0) {
            throw new PeftConversionException(adapterDir.resolve(CONFIG)
                    + ": DoRA, fan_in_fan_out and alpha_pattern adapters cannot be expressed as a GGUF LoRA");
        }
        if (config.path("use_rslora").asBoolean(false)) {
            alpha *= Math.sqrt(rank);
        }
        int heads = (int) model.archInteger("attention.head_count", 0);
        int kvHeads = (int) model.archInteger("attention.head_count_kv", heads);
        SafetensorsFile weights = SafetensorsFile.read(adapterDir.resolve(WEIGHTS));
        GgufWriter writer = LoraSynthesizer.adapterHeader(model.architecture(), (float) alpha,
                config.path("base_model_name_or_path").asText("PEFT") + " LoRA");
        Map<String, String[]> pairs = pairs(weights);
        pairs.forEach((module, names) -> {
            String target = LlamaTensorNames.ggufWeight(module);
            if (target == null) {
                throw new PeftConversionException(weights.path() + ": module '" + module + "' has no llama.cpp"
                        + " counterpart (embedding and norm adapters are not supported)");
            }
            SafetensorsFile.Entry a = weights.tensors().get(names[0]);
            SafetensorsFile.Entry b = weights.tensors().get(names[1]);
            if (a.shape().length != 2 || b.shape().length != 2 || a.shape()[0] != b.shape()[1]) {
                throw new PeftConversionException(weights.path() + ": '" + module + "' has A " + java.util.Arrays.toString(a.shape())
                        + " and B " + java.util.Arrays.toString(b.shape()) + " (expected [r, in] and [out, r])");
            }
            int r = (int) a.shape()[0];
            int in = (int) a.shape()[1];
            int out = (int) b.shape()[0];
            float[] bValues = weights.floats(b.name());
            if (target.endsWith(".attn_q.weight")) {
                bValues = LlamaTensorNames.permuteRotaryRows(bValues, out, heads);
            } else if (target.endsWith(".attn_k.weight")) {
                bValues = LlamaTensorNames.permuteRotaryRows(bValues, out, kvHeads);
            }
            writer.addTensor(target + ".lora_a", new long[] {in, r}, weights.floats(a.name()));
            writer.addTensor(target + ".lora_b", new long[] {r, out}, bValues);
        });
        LoraSynthesizer.writeAdapter(writer, output);
        LoraFile converted = LoraFile.read(output);
        LoraCompatibility.check(converted, model);
        return converted;
    }

    private static JsonNode config(Path adapterDir) {
        Path file = adapterDir.resolve(CONFIG);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(adapterDir.resolve(WEIGHTS))) {
            throw new PeftConversionException(adapterDir + " is not a PEFT adapter directory: it needs " + CONFIG
                    + " and " + WEIGHTS);
        }
        try {
            JsonNode config = new ObjectMapper().readTree(file.toFile());
            String type = config.path("peft_type").asText("LORA");
            if (!type.equals("LORA")) {
                throw new PeftConversionException(file + ": peft_type is '" + type + "'; only LORA converts");
            }
            return config;
        } catch (IOException e) {
            throw new PeftConversionException(file + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Module path → {A tensor, B tensor}, from PEFT's {@code <module>.lora_A.weight} / {@code lora_B.weight}. */
    private static Map<String, String[]> pairs(SafetensorsFile weights) {
        Map<String, String[]> pairs = new TreeMap<>();
        for (String name : weights.tensors().keySet()) {
            int which = name.endsWith(".lora_A.weight") ? 0 : name.endsWith(".lora_B.weight") ? 1 : -1;
            if (which < 0) {
                throw new PeftConversionException(weights.path() + ": tensor '" + name
                        + "' is not a lora_A/lora_B weight (embedding adapters and extra modules are not supported)");
            }
            String module = name.substring(0, name.length() - ".lora_A.weight".length());
            pairs.computeIfAbsent(module, m -> new String[2])[which] = name;
        }
        pairs.forEach((module, names) -> {
            if (names[0] == null || names[1] == null) {
                throw new PeftConversionException(weights.path() + ": module '" + module + "' lacks its lora_"
                        + (names[0] == null ? "A" : "B") + " weight");
            }
        });
        if (pairs.isEmpty()) {
            throw new PeftConversionException(weights.path() + " holds no LoRA weights");
        }
        return pairs;
    }
}
