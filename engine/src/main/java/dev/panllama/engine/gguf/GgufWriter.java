package dev.panllama.engine.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF (version 3) file of metadata and F32 tensors in plain Java: header, key/value pairs, tensor
 * descriptors, then the tensor data, each block aligned to {@value #ALIGNMENT} bytes as llama.cpp expects by default.
 * Little-endian throughout, as GGUF prescribes. The file appears whole or not at all: it is written beside the
 * target and moved into place. Used by the converters (ONNX BERT models, PEFT adapters) and the adapter synthesizer.
 */
public final class GgufWriter {
    static final int ALIGNMENT = 32;
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    private static final int VERSION = 3;
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_BOOL = 7;
    private static final int TYPE_STRING = 8;
    private static final int TYPE_ARRAY = 9;
    private static final int GGML_TYPE_F32 = 0;

    /** A tensor to write: GGML dims (innermost first) and row-major data whose length is their product. */
    public record Tensor(String name, long[] ggmlDims, float[] data) {
        public Tensor {
            long n = 1;
            for (long d : ggmlDims) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException("tensor " + name + ": dims give " + n + " elements, data has " + data.length);
            }
        }
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter putString(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putUint32(String key, int value) {
        metadata.put(key, new Uint32(value));
        return this;
    }

    public GgufWriter putFloat32(String key, float value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putBool(String key, boolean value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putStrings(String key, List<String> values) {
        metadata.put(key, new StringArray(List.copyOf(values)));
        return this;
    }

    public GgufWriter putInt32s(String key, int[] values) {
        metadata.put(key, values.clone());
        return this;
    }

    public GgufWriter addTensor(Tensor tensor) {
        tensors.add(tensor);
        return this;
    }

    /** A tensor of GGML dims (innermost first) and its values in that order. */
    public GgufWriter addTensor(String name, long[] ggmlDims, float[] data) {
        return addTensor(new Tensor(name, ggmlDims, data));
    }

    private record Uint32(int value) {}

    private record StringArray(List<String> values) {}

    public void write(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        if (absolute.getParent() != null) {
            Files.createDirectories(absolute.getParent());
        }
        Path partial = absolute.resolveSibling(absolute.getFileName() + ".part");
        try {
            writeTo(partial);
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private void writeTo(Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            Sink sink = new Sink(out);
            sink.u32(MAGIC);
            sink.u32(VERSION);
            sink.u64(tensors.size());
            sink.u64(metadata.size());
            for (Map.Entry<String, Object> entry : metadata.entrySet()) {
                sink.string(entry.getKey());
                writeValue(sink, entry.getValue());
            }
            long offset = 0;
            for (Tensor t : tensors) {
                sink.string(t.name());
                sink.u32(t.ggmlDims().length);
                for (long d : t.ggmlDims()) {
                    sink.u64(d);
                }
                sink.u32(GGML_TYPE_F32);
                sink.u64(offset);
                offset = align((offset + (long) t.data().length * Float.BYTES));
            }
            sink.pad();
            for (Tensor t : tensors) {
                sink.floats(t.data());
                sink.pad();
            }
        }
    }

    private static void writeValue(Sink sink, Object value) throws IOException {
        switch (value) {
            case String s -> {
                sink.u32(TYPE_STRING);
                sink.string(s);
            }
            case Uint32 u -> {
                sink.u32(TYPE_UINT32);
                sink.u32(u.value());
            }
            case Float f -> {
                sink.u32(TYPE_FLOAT32);
                sink.u32(Float.floatToRawIntBits(f));
            }
            case Boolean b -> {
                sink.u32(TYPE_BOOL);
                sink.u8(b ? 1 : 0);
            }
            case StringArray a -> {
                sink.u32(TYPE_ARRAY);
                sink.u32(TYPE_STRING);
                sink.u64(a.values().size());
                for (String s : a.values()) {
                    sink.string(s);
                }
            }
            case int[] ints -> {
                sink.u32(TYPE_ARRAY);
                sink.u32(TYPE_INT32);
                sink.u64(ints.length);
                for (int i : ints) {
                    sink.u32(i);
                }
            }
            default -> throw new IllegalArgumentException("unsupported metadata value " + value.getClass());
        }
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Little-endian primitives over a stream that counts what it wrote (for alignment padding). */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer scratch = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Sink(OutputStream out) {
            this.out = out;
        }

        void u8(int v) throws IOException {
            out.write(v);
            written++;
        }

        void u32(int v) throws IOException {
            scratch.clear();
            scratch.putInt(v);
            flushScratch();
        }

        void u64(long v) throws IOException {
            scratch.clear();
            scratch.putLong(v);
            flushScratch();
        }

        void string(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            out.write(bytes);
            written += bytes.length;
        }

        void floats(float[] values) throws IOException {
            int perChunk = scratch.capacity() / Float.BYTES;
            for (int start = 0; start < values.length; start += perChunk) {
                scratch.clear();
                scratch.asFloatBuffer().put(values, start, Math.min(perChunk, values.length - start));
                scratch.position(Math.min(perChunk, values.length - start) * Float.BYTES);
                flushScratch();
            }
        }

        void pad() throws IOException {
            while (written % ALIGNMENT != 0) {
                u8(0);
            }
        }

        private void flushScratch() throws IOException {
            out.write(scratch.array(), 0, scratch.position());
            written += scratch.position();
        }
    }
}
