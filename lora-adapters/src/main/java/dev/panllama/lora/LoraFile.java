package dev.panllama.lora;

import dev.panllama.engine.InvalidModelFileException;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.gguf.GgufFile.TensorInfo;
import dev.panllama.lora.InvalidLoraAdapterException.Reason;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GGUF LoRA adapter as llama.cpp expects it: {@code general.type = adapter}, {@code adapter.type = lora}, and
 * for each adapted weight {@code W} a pair {@code W.lora_a} (ne = [in, rank]) and {@code W.lora_b}
 * (ne = [rank, out]); {@code *_norm.weight} tensors are ignored, as llama.cpp ignores them.
 *
 * @param path         the file
 * @param architecture {@code general.architecture}
 * @param alpha        {@code adapter.lora.alpha}; 0 when absent (then llama.cpp scales by the request's scale only)
 * @param pairs        adapted weight name → its A and B tensors
 * @param name         {@code general.name}, or null
 */
public record LoraFile(Path path, String architecture, double alpha, Map<String, Pair> pairs, String name) {

    /** The two low-rank factors of one adapted weight. */
    public record Pair(TensorInfo a, TensorInfo b) {
        public long rank() {
            return b.shape()[0];
        }
    }

    /** The largest rank over the adapted weights. */
    public long rank() {
        return pairs.values().stream().mapToLong(Pair::rank).max().orElse(0);
    }

    /**
     * Reads and checks an adapter file (no model needed).
     *
     * @throws InvalidLoraAdapterException NOT_GGUF or NOT_LORA, naming what is wrong
     */
    public static LoraFile read(Path path) {
        GgufFile file;
        try {
            file = GgufFile.read(path);
        } catch (InvalidModelFileException e) {
            Reason reason = e.reason() == InvalidModelFileException.Reason.MISSING ? Reason.MISSING : Reason.NOT_GGUF;
            // the message is "<path>: <detail>"; the path itself may hold ": "
            throw new InvalidLoraAdapterException(path, reason, e.getMessage().substring(e.path().toString().length() + 2));
        }
        String type = file.string("general.type");
        if (!"adapter".equals(type)) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "general.type is " + quoted(type)
                    + " where a LoRA adapter has 'adapter'" + (file.tensors().isEmpty() ? "" : ": this looks like a model file"));
        }
        String adapterType = file.string("adapter.type");
        if (!"lora".equals(adapterType)) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "adapter.type is " + quoted(adapterType) + ", not 'lora'");
        }
        if (file.architecture() == null) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "general.architecture is missing");
        }
        Object alpha = file.metadata().get("adapter.lora.alpha");
        // llama.cpp reads it with gguf_get_val_f32, which asserts the stored type is float32 (a float64 aborts)
        if (alpha != null && !(alpha instanceof Float)) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "adapter.lora.alpha must be a float32, got "
                    + alpha + " (" + alpha.getClass().getSimpleName() + ")");
        }
        return new LoraFile(path, file.architecture(), alpha == null ? 0 : (Float) alpha, pairs(path, file),
                file.string("general.name"));
    }

    private static Map<String, Pair> pairs(Path path, GgufFile file) {
        Map<String, TensorInfo> a = new TreeMap<>();
        Map<String, TensorInfo> b = new TreeMap<>();
        for (TensorInfo t : file.tensors()) {
            String name = t.name();
            if (name.endsWith(".lora_a")) {
                a.put(name.substring(0, name.length() - 7), t);
            } else if (name.endsWith(".lora_b")) {
                b.put(name.substring(0, name.length() - 7), t);
            } else if (!name.endsWith("_norm.weight")) {
                throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "tensor '" + name
                        + "' is neither a .lora_a nor a .lora_b factor");
            }
        }
        if (a.isEmpty() && b.isEmpty()) {
            throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "holds no .lora_a/.lora_b tensors");
        }
        Map<String, Pair> pairs = new TreeMap<>();
        for (String weight : union(a, b)) {
            TensorInfo ta = a.get(weight);
            TensorInfo tb = b.get(weight);
            if (ta == null || tb == null) {
                throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "'" + weight + "' has only its "
                        + (ta == null ? "lora_b" : "lora_a") + " factor");
            }
            if (ta.shape().length != 2 || tb.shape().length != 2) {
                throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "the factors of '" + weight + "' must be matrices");
            }
            for (TensorInfo factor : List.of(ta, tb)) {
                if (!factor.multipliable()) {
                    throw new InvalidLoraAdapterException(path, Reason.NOT_LORA, "'" + factor.name() + "' is of type "
                            + factor.typeName() + "; LoRA factors must be F32, F16, BF16 or a quantized type");
                }
            }
            pairs.put(weight, new Pair(ta, tb));
        }
        return pairs;
    }

    private static java.util.Set<String> union(Map<String, TensorInfo> a, Map<String, TensorInfo> b) {
        java.util.Set<String> names = new java.util.TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        return names;
    }

    private static String quoted(String value) {
        return value == null ? "missing" : "'" + value + "'";
    }
}
