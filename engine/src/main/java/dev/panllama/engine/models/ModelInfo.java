package dev.panllama.engine.models;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.nativeapi.CString;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a GGUF model file is, read from its header without loading weights. Sizes the file does not record
 * are 0; strings it does not record are null.
 *
 * @param path            the file
 * @param architecture    {@code general.architecture}
 * @param name            {@code general.name}
 * @param parameterCount  elements over all tensors
 * @param fileSize        bytes on disk
 * @param tensorBytes     bytes of tensor data
 * @param layers          {@code <arch>.block_count}
 * @param embeddingLength {@code <arch>.embedding_length}
 * @param headCount       {@code <arch>.attention.head_count}
 * @param headCountKv     {@code <arch>.attention.head_count_kv}, or headCount when absent
 * @param contextLength   {@code <arch>.context_length}
 * @param vocabSize       entries of {@code tokenizer.ggml.tokens}
 * @param tokenizerModel  {@code tokenizer.ggml.model}: llama (SentencePiece), gpt2 (BPE), bert (WordPiece), ...
 * @param fileType        llama.cpp's name for {@code general.file_type}, e.g. "Q4_K - Medium"
 * @param tensorTypes     ggml type name → tensor count, most common first
 */
public record ModelInfo(Path path, String architecture, String name, long parameterCount, long fileSize,
                        long tensorBytes, long layers, long embeddingLength, long headCount, long headCountKv,
                        long contextLength, long vocabSize, String tokenizerModel, String fileType,
                        Map<String, Integer> tensorTypes) {

    public ModelInfo {
        tensorTypes = Collections.unmodifiableMap(new LinkedHashMap<>(tensorTypes));
    }

    /** Reads the file's header (validated; see {@link GgufFile#read}). */
    public static ModelInfo read(Path path) {
        return of(GgufFile.read(path));
    }

    public static ModelInfo of(GgufFile file) {
        long heads = Math.max(0, file.archInteger("attention.head_count", 0));
        long fileTypeId = file.integer("general.file_type", -1);
        long tensorBytes = file.tensors().stream().mapToLong(GgufFile.TensorInfo::byteSize).sum();
        return new ModelInfo(file.path(), file.architecture(), file.string("general.name"), file.parameterCount(),
                file.fileSize(), tensorBytes, Math.max(0, file.archInteger("block_count", 0)),
                Math.max(0, file.archInteger("embedding_length", 0)), heads,
                Math.max(0, file.archInteger("attention.head_count_kv", heads)),
                Math.max(0, file.archInteger("context_length", 0)), Math.max(0, file.arrayLength("tokenizer.ggml.tokens")),
                file.string("tokenizer.ggml.model"),
                fileTypeId < 0 ? null : CString.read(LlamaCpp.llama_ftype_name((int) fileTypeId)),
                typeHistogram(file));
    }

    private static Map<String, Integer> typeHistogram(GgufFile file) {
        Map<String, Integer> counts = new TreeMap<>();
        for (GgufFile.TensorInfo t : file.tensors()) {
            counts.merge(t.typeName().toUpperCase(Locale.ROOT), 1, Integer::sum);
        }
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    /** Average storage per weight, quantization scales included; 0 for a file without tensors. */
    public double bitsPerWeight() {
        return parameterCount == 0 ? 0 : tensorBytes * 8.0 / parameterCount;
    }

    /** e.g. "F16: 12, F32: 5". */
    public String tensorTypeSummary() {
        return tensorTypes.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** A few aligned lines for people. */
    public String render() {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("file", path + " (" + humanBytes(fileSize) + ")");
        rows.put("name", orDash(name));
        rows.put("architecture", orDash(architecture));
        rows.put("parameters", humanCount(parameterCount) + " (" + String.format(Locale.ROOT, "%,d", parameterCount) + ")");
        rows.put("file type", orDash(fileType) + String.format(Locale.ROOT, ", %.2f bits per weight", bitsPerWeight()));
        rows.put("layers", orDash(layers));
        rows.put("embedding", orDash(embeddingLength));
        rows.put("heads", orDash(headCount) + (headCountKv != headCount ? " (kv " + headCountKv + ")" : ""));
        rows.put("context", orDash(contextLength));
        rows.put("vocab", orDash(vocabSize) + (tokenizerModel == null ? "" : " (" + tokenizerModel + " tokenizer)"));
        rows.put("tensors", tensorTypes.isEmpty() ? "none (vocab-only file)" : tensorTypeSummary());
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
        StringBuilder out = new StringBuilder();
        rows.forEach((key, value) -> out.append(String.format(Locale.ROOT, "%-" + width + "s%s%n", key + ":", value)));
        return out.toString();
    }

    /** The fields under stable camelCase keys, for JSON. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("path", path.toString());
        map.put("architecture", architecture);
        map.put("name", name);
        map.put("parameterCount", parameterCount);
        map.put("fileSize", fileSize);
        map.put("tensorBytes", tensorBytes);
        map.put("bitsPerWeight", bitsPerWeight());
        map.put("layers", layers);
        map.put("embeddingLength", embeddingLength);
        map.put("headCount", headCount);
        map.put("headCountKv", headCountKv);
        map.put("contextLength", contextLength);
        map.put("vocabSize", vocabSize);
        map.put("tokenizerModel", tokenizerModel);
        map.put("fileType", fileType);
        map.put("tensorTypes", tensorTypes);
        return map;
    }

    private static String orDash(Object value) {
        return value == null || (value instanceof Long l && l == 0) ? "-" : value.toString();
    }

    static String humanBytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    static String humanCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        }
        return Long.toString(n);
    }
}
