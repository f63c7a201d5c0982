package dev.panllama.engine.convert;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model a converter needs: the graph's nodes (with their scalar and tensor attributes) and its
 * initializers. Read straight from the protobuf wire format with the field numbers of ONNX's published schema
 * (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1, output = 2, name = 3,
 * op_type = 4, attribute = 5; AttributeProto.name = 1, f = 2, i = 3, t = 5; TensorProto.dims = 1, data_type = 2,
 * float_data = 4, int32_data = 5, int64_data = 7, name = 8, raw_data = 9, data_location = 14).
 */
public record OnnxGraph(List<Node> nodes, Map<String, Tensor> initializers) {

    /** ONNX TensorProto.DataType values this reader decodes. */
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    private static final int EXTERNAL = 1;

    public record Node(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Object> attributes) {
        /** A float attribute, or {@code fallback} when absent. */
        float floatAttribute(String key, float fallback) {
            return attributes.get(key) instanceof Float f ? f : fallback;
        }
    }

    /** A dense tensor: its ONNX dims (outermost first) and its values as floats (integer tensors converted). */
    public record Tensor(String name, long[] dims, int dataType, float[] values, long[] longValues) {
        long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    /** Reads a model file through a memory map, so nested messages are parsed in place rather than copied. */
    public static OnnxGraph read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new IOException("larger than 2 GiB: ONNX keeps such weights in external data files, which this reader does not follow");
            }
            return read(CodedInputStream.newInstance(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size())));
        }
    }

    public static OnnxGraph read(InputStream in) throws IOException {
        return read(CodedInputStream.newInstance(in));
    }

    private static OnnxGraph read(CodedInputStream model) throws IOException {
        model.setSizeLimit(Integer.MAX_VALUE);
        model.enableAliasing(true); // raw tensor data is read as views of the mapped file, not copies
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        boolean sawGraph = false;
        for (int tag = model.readTag(); tag != 0; tag = model.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == 7) {
                sawGraph = true;
                int limit = model.pushLimit(model.readRawVarint32());
                readGraph(model, nodes, initializers);
                model.popLimit(limit);
            } else {
                model.skipField(tag);
            }
        }
        if (!sawGraph) {
            throw new IOException("not an ONNX model: no graph field");
        }
        return new OnnxGraph(List.copyOf(nodes), initializers);
    }

    private static void readGraph(CodedInputStream graph, List<Node> nodes, Map<String, Tensor> initializers) throws IOException {
        for (int tag = graph.readTag(); tag != 0; tag = graph.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> nodes.add(nested(graph, OnnxGraph::readNode));
                case 5 -> {
                    Tensor t = nested(graph, OnnxGraph::readTensor);
                    initializers.put(t.name(), t);
                }
                default -> graph.skipField(tag);
            }
        }
    }

    private interface Parser<T> {
        T parse(CodedInputStream in) throws IOException;
    }

    /** Parses a length-delimited submessage in place: the stream is limited to it, then restored. */
    private static <T> T nested(CodedInputStream in, Parser<T> parser) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        T value = parser.parse(in);
        in.popLimit(limit);
        return value;
    }

    private static Node readNode(CodedInputStream node) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        Map<String, Object> attributes = new LinkedHashMap<>();
        String name = "";
        String opType = "";
        for (int tag = node.readTag(); tag != 0; tag = node.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(node.readString());
                case 2 -> outputs.add(node.readString());
                case 3 -> name = node.readString();
                case 4 -> opType = node.readString();
                case 5 -> nested(node, in -> readAttribute(in, attributes));
                default -> node.skipField(tag);
            }
        }
        return new Node(name, opType, List.copyOf(inputs), List.copyOf(outputs), attributes);
    }

    private static Void readAttribute(CodedInputStream attribute, Map<String, Object> into) throws IOException {
        String name = null;
        Object value = null;
        for (int tag = attribute.readTag(); tag != 0; tag = attribute.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = attribute.readString();
                case 2 -> value = attribute.readFloat();
                case 3 -> value = attribute.readInt64();
                case 5 -> value = nested(attribute, OnnxGraph::readTensor);
                default -> attribute.skipField(tag);
            }
        }
        if (name != null && value != null) {
            into.put(name, value);
        }
        return null;
    }

    private static Tensor readTensor(CodedInputStream tensor) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        List<Float> floats = new ArrayList<>();
        List<Long> longs = new ArrayList<>();
        boolean external = false;
        for (int tag = tensor.readTag(); tag != 0; tag = tensor.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (field) {
                case 1 -> readPackedOrSingle(tensor, packed, () -> dims.add(tensor.readInt64()));
                case 2 -> dataType = tensor.readInt32();
                case 4 -> readPackedOrSingle(tensor, packed, () -> floats.add(tensor.readFloat()));
                case 5 -> readPackedOrSingle(tensor, packed, () -> longs.add((long) tensor.readInt32()));
                case 7 -> readPackedOrSingle(tensor, packed, () -> longs.add(tensor.readInt64()));
                case 8 -> name = tensor.readString();
                case 9 -> raw = tensor.readByteBuffer();
                case 14 -> external = tensor.readInt32() == EXTERNAL;
                default -> tensor.skipField(tag);
            }
        }
        if (external) {
            throw new IOException("tensor " + name + " keeps its data in an external file; convert a model with"
                    + " its weights embedded");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        float[] values = null;
        long[] longValues = null;
        if (dataType == FLOAT) {
            values = raw != null ? floatsOf(raw) : toFloatArray(floats);
        } else if (dataType == INT64 || dataType == INT32) {
            longValues = raw != null ? integersOf(raw, dataType == INT64 ? 8 : 4) : longs.stream().mapToLong(Long::longValue).toArray();
        }
        return new Tensor(name, shape, dataType, values, longValues);
    }

    private interface Reader {
        void readOne() throws IOException;
    }

    private static void readPackedOrSingle(CodedInputStream in, boolean packed, Reader reader) throws IOException {
        if (!packed) {
            reader.readOne();
            return;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
            reader.readOne();
        }
        in.popLimit(limit);
    }

    private static float[] floatsOf(ByteBuffer raw) {
        float[] out = new float[raw.remaining() / Float.BYTES];
        raw.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static long[] integersOf(ByteBuffer raw, int width) {
        ByteBuffer buffer = raw.slice().order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[buffer.remaining() / width];
        for (int i = 0; i < out.length; i++) {
            out[i] = width == 8 ? buffer.getLong() : buffer.getInt();
        }
        return out;
    }

    private static float[] toFloatArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
