package dev.panllama.engine.convert;

import dev.panllama.engine.gguf.GgufWriter;
import dev.panllama.engine.convert.OnnxGraph.Node;
import dev.panllama.engine.convert.OnnxGraph.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * The BERT shape a GGUF header needs. Sizes come from tensor shapes. The head count and the layer-norm epsilon
 * are not stored as weights, so they are read from the graph: heads from the constant [heads, head_dim] tail of
 * the shape an attention Reshape uses, epsilon from a LayerNormalization node or, in decomposed layer norms,
 * from the constant added to the variance before its Sqrt.
 */
record BertHyperParams(int embeddingLength, int contextLength, int blockCount, int feedForwardLength, int headCount,
                       float layerNormEpsilon, int tokenTypeCount, int vocabSize) {

    static BertHyperParams of(OnnxGraph graph, BertTensorMap tensors) {
        Map<String, GgufWriter.Tensor> t = tensors.tensors();
        long[] tokenEmbd = t.get("token_embd.weight").ggmlDims();
        int nEmbd = (int) tokenEmbd[0];
        int vocab = (int) tokenEmbd[1];
        int nCtx = (int) t.get("position_embd.weight").ggmlDims()[1];
        int nFf = (int) t.get("blk.0.ffn_up.weight").ggmlDims()[1];
        GgufWriter.Tensor types = t.get("token_types.weight");
        int tokenTypes = types == null ? 1 : (int) types.ggmlDims()[1];
        Map<String, Node> producers = new HashMap<>();
        for (Node n : graph.nodes()) {
            for (String out : n.outputs()) {
                producers.put(out, n);
            }
        }
        int heads = headCount(graph, producers, nEmbd);
        float eps = layerNormEpsilon(graph, producers);
        return new BertHyperParams(nEmbd, nCtx, tensors.layerCount(), nFf, heads, eps, tokenTypes, vocab);
    }

    private static int headCount(OnnxGraph graph, Map<String, Node> producers, int nEmbd) {
        for (Node reshape : graph.nodes()) {
            if (!reshape.opType().equals("Reshape") || reshape.inputs().size() < 2) {
                continue;
            }
            long[] shape = constantLongs(reshape.inputs().get(1), graph, producers);
            if (shape != null && shape.length >= 2) {
                long heads = shape[shape.length - 2];
                long headDim = shape[shape.length - 1];
                if (heads > 1 && headDim > 1 && heads * headDim == nEmbd) {
                    return (int) heads;
                }
            }
        }
        throw new ConversionException("could not find the attention head count in the ONNX graph (no Reshape to"
                + " [..., heads, head_dim] with heads * head_dim = " + nEmbd + ")");
    }

    /** The values of a constant shape, also when it is a Concat of (Unsqueezed) constants; unknown entries are -1. */
    private static long[] constantLongs(String name, OnnxGraph graph, Map<String, Node> producers) {
        Tensor init = graph.initializers().get(name);
        if (init != null) {
            return init.longValues();
        }
        Node producer = producers.get(name);
        if (producer == null) {
            return null;
        }
        switch (producer.opType()) {
            case "Constant" -> {
                return producer.attributes().get("value") instanceof Tensor t ? t.longValues() : null;
            }
            case "Concat" -> {
                long[][] parts = new long[producer.inputs().size()][];
                int length = 0;
                for (int i = 0; i < parts.length; i++) {
                    long[] part = constantLongs(producer.inputs().get(i), graph, producers);
                    parts[i] = part != null ? part : new long[] {-1};
                    length += parts[i].length;
                }
                long[] all = new long[length];
                int at = 0;
                for (long[] part : parts) {
                    System.arraycopy(part, 0, all, at, part.length);
                    at += part.length;
                }
                return all;
            }
            default -> {
                return null;
            }
        }
    }

    private static float layerNormEpsilon(OnnxGraph graph, Map<String, Node> producers) {
        for (Node n : graph.nodes()) {
            if (n.opType().equals("LayerNormalization")) {
                return n.floatAttribute("epsilon", 1e-5f);
            }
        }
        for (Node sqrt : graph.nodes()) {
            if (!sqrt.opType().equals("Sqrt")) {
                continue;
            }
            Node add = producers.get(sqrt.inputs().getFirst());
            if (add == null || !add.opType().equals("Add")) {
                continue;
            }
            for (String in : add.inputs()) {
                Float eps = constantFloat(in, graph, producers);
                if (eps != null) {
                    return eps;
                }
            }
        }
        throw new ConversionException("could not find the layer-norm epsilon in the ONNX graph (no LayerNormalization"
                + " node and no constant added before a Sqrt)");
    }

    private static Float constantFloat(String name, OnnxGraph graph, Map<String, Node> producers) {
        Tensor t = graph.initializers().get(name);
        if (t == null && producers.get(name) instanceof Node p && p.opType().equals("Constant")
                && p.attributes().get("value") instanceof Tensor value) {
            t = value;
        }
        return t != null && t.values() != null && t.values().length == 1 ? t.values()[0] : null;
    }
}
