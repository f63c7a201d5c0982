package dev.panllama.engine.convert;

import dev.panllama.engine.gguf.GgufWriter;
import dev.panllama.engine.convert.OnnxGraph.Node;
import dev.panllama.engine.convert.OnnxGraph.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the initializers of a Hugging Face BERT graph exported to ONNX onto llama.cpp's {@code bert} tensor names.
 * Embeddings, biases and layer norms keep their PyTorch names in the export. The linear weights usually do not
 * (they become anonymous {@code onnx::MatMul_N} initializers stored as [in, out]): each one is named after the
 * bias its MatMul's result is added to, or failing that after the MatMul node's scope, and transposed to the
 * [out, in] layout GGML's matrix product expects.
 */
final class BertTensorMap {
    private static final Logger LOG = LoggerFactory.getLogger(BertTensorMap.class);
    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Map<String, String> GLOBAL = Map.of(
            "embeddings.word_embeddings.weight", "token_embd.weight",
            "embeddings.position_embeddings.weight", "position_embd.weight",
            "embeddings.token_type_embeddings.weight", "token_types.weight",
            "embeddings.LayerNorm.weight", "token_embd_norm.weight",
            "embeddings.LayerNorm.bias", "token_embd_norm.bias");
    private static final Map<String, String> PER_LAYER = Map.of(
            "attention.self.query", "attn_q",
            "attention.self.key", "attn_k",
            "attention.self.value", "attn_v",
            "attention.output.dense", "attn_output",
            "attention.output.LayerNorm", "attn_output_norm",
            "intermediate.dense", "ffn_up",
            "output.dense", "ffn_down",
            "output.LayerNorm", "layer_output_norm");
    private static final int TENSORS_PER_LAYER = PER_LAYER.size() * 2;

    private final Map<String, GgufWriter.Tensor> byName = new TreeMap<>();
    private int layerCount;

    /** The mapped tensors, keyed by GGUF name. */
    Map<String, GgufWriter.Tensor> tensors() {
        return byName;
    }

    int layerCount() {
        return layerCount;
    }

    static BertTensorMap of(OnnxGraph graph) {
        BertTensorMap map = new BertTensorMap();
        Map<String, List<Node>> consumers = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        List<String> unmapped = new ArrayList<>();
        for (Tensor t : graph.initializers().values()) {
            if (t.dataType() != OnnxGraph.FLOAT) {
                continue; // position_ids and other integer helpers
            }
            Node matmul = matMulUsingAsWeight(t.name(), consumers);
            String hfName = matmul != null ? linearWeightName(matmul, graph, consumers) : canonical(t.name());
            String ggufName = hfName == null ? null : ggufName(hfName, map);
            if (ggufName == null) {
                unmapped.add(t.name());
                continue;
            }
            boolean transpose = matmul != null && t.dims().length == 2;
            map.byName.put(ggufName, toGguf(ggufName, t, transpose));
        }
        if (!unmapped.isEmpty()) {
            LOG.debug("initializers left out: {}", unmapped);
        }
        map.checkComplete();
        return map;
    }

    private static Node matMulUsingAsWeight(String name, Map<String, List<Node>> consumers) {
        for (Node n : consumers.getOrDefault(name, List.of())) {
            if (n.opType().equals("MatMul") && n.inputs().size() == 2 && n.inputs().get(1).equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** "encoder.layer.0.attention.self.query.weight" for the MatMul whose output gets that layer's query bias. */
    private static String linearWeightName(Node matmul, OnnxGraph graph, Map<String, List<Node>> consumers) {
        for (Node add : consumers.getOrDefault(matmul.outputs().getFirst(), List.of())) {
            if (!add.opType().equals("Add")) {
                continue;
            }
            for (String in : add.inputs()) {
                String canonical = canonical(in);
                if (graph.initializers().containsKey(in) && canonical.endsWith(".bias")) {
                    return canonical.substring(0, canonical.length() - ".bias".length()) + ".weight";
                }
            }
        }
        // no bias: the exporter's scope name, "/encoder/layer.0/attention/self/query/MatMul"
        String scope = matmul.name().replaceFirst("^/", "").replaceFirst("/MatMul(_\\d+)?$", "");
        return scope.isEmpty() || scope.equals(matmul.name()) ? null : canonical(scope.replace('/', '.') + ".weight");
    }

    /** Drops a "bert." prefix and turns TensorFlow-style gamma/beta into weight/bias. */
    private static String canonical(String name) {
        String n = name.startsWith("bert.") ? name.substring(5) : name;
        if (n.endsWith(".gamma")) {
            n = n.substring(0, n.length() - 6) + ".weight";
        } else if (n.endsWith(".beta")) {
            n = n.substring(0, n.length() - 5) + ".bias";
        }
        return n;
    }

    private static String ggufName(String hfName, BertTensorMap map) {
        String global = GLOBAL.get(hfName);
        if (global != null) {
            return global;
        }
        Matcher m = LAYER.matcher(hfName);
        if (!m.matches() || !PER_LAYER.containsKey(m.group(2))) {
            return null;
        }
        int layer = Integer.parseInt(m.group(1));
        map.layerCount = Math.max(map.layerCount, layer + 1);
        return "blk." + layer + "." + PER_LAYER.get(m.group(2)) + "." + m.group(3);
    }

    /** GGML dims are the ONNX dims reversed; a transposed [in, out] matrix becomes GGML {in, out} over [out][in] data. */
    private static GgufWriter.Tensor toGguf(String name, Tensor t, boolean transpose) {
        long[] dims = t.dims();
        if (!transpose) {
            long[] reversed = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                reversed[i] = dims[dims.length - 1 - i];
            }
            return new GgufWriter.Tensor(name, reversed, t.values());
        }
        int rows = (int) dims[0];
        int cols = (int) dims[1];
        float[] src = t.values();
        float[] out = new float[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = src[r * cols + c];
            }
        }
        return new GgufWriter.Tensor(name, new long[] {rows, cols}, out);
    }

    private void checkComplete() {
        List<String> missing = new ArrayList<>();
        for (String required : List.of("token_embd.weight", "position_embd.weight", "token_embd_norm.weight", "token_embd_norm.bias")) {
            if (!byName.containsKey(required)) {
                missing.add(required);
            }
        }
        if (layerCount == 0) {
            missing.add("blk.0.*");
        }
        for (int layer = 0; layer < layerCount; layer++) {
            for (String base : PER_LAYER.values()) {
                for (String kind : List.of("weight", "bias")) {
                    String name = "blk." + layer + "." + base + "." + kind;
                    if (!byName.containsKey(name)) {
                        missing.add(name);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new ConversionException("the ONNX graph is not a BERT encoder this converter knows: no initializer maps to "
                    + missing + " (expected " + TENSORS_PER_LAYER + " tensors per layer)");
        }
    }
}
