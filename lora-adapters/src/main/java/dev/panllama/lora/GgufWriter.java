package dev.panllama.lora;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
 * Writes small GGUF v3 files with F32 tensors (adapters), in Java: the format is a header, typed metadata, a
 * tensor directory, then the data, each tensor aligned to 32 bytes. The file appears only when complete.
 */
final class GgufWriter {
    private static final int ALIGNMENT = 32;
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_STRING = 8;
    private static final int GGML_TYPE_F32 = 0;

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    /** A tensor: ggml shape (ne[0] varies fastest) and its values in that order. */
    record Tensor(String name, long[] shape, float[] data) {
        Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != data.length) {
                throw new IllegalArgumentException(name + " has " + data.length + " values for shape of " + n);
            }
        }
    }

    GgufWriter string(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    GgufWriter float32(String key, float value) {
        metadata.put(key, value);
        return this;
    }

    GgufWriter uint32(String key, int value) {
        metadata.put(key, value);
        return this;
    }

    GgufWriter tensor(String name, long[] shape, float[] data) {
        tensors.add(new Tensor(name, shape, data));
        return this;
    }

    void write(Path target) {
        Path temp = target.resolveSibling(target.getFileName() + ".part");
        try {
            if (target.toAbsolutePath().getParent() != null) {
                Files.createDirectories(target.toAbsolutePath().getParent());
            }
            try (OutputStream file = Files.newOutputStream(temp)) {
                writeTo(new CountingOutput(new BufferedOutputStream(file, 1 << 16)));
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the move succeeded or the write already failed; nothing more to report
            }
        }
    }

    private void writeTo(CountingOutput out) throws IOException {
        out.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, Object> kv : metadata.entrySet()) {
            out.string(kv.getKey());
            switch (kv.getValue()) {
                case String s -> { out.u32(TYPE_STRING); out.string(s); }
                case Float f -> { out.u32(TYPE_FLOAT32); out.u32(Float.floatToRawIntBits(f)); }
                case Integer i -> { out.u32(TYPE_UINT32); out.u32(i); }
                default -> throw new IllegalStateException("unsupported metadata value " + kv.getValue());
            }
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.u32(t.shape().length);
            for (long d : t.shape()) {
                out.u64(d);
            }
            out.u32(GGML_TYPE_F32);
            out.u64(offset);
            offset = align(offset + 4L * t.data().length);
        }
        out.pad();
        for (Tensor t : tensors) {
            ByteBuffer buffer = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(t.data());
            out.bytes(buffer.array());
            out.pad();
        }
        out.flush();
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Little-endian primitives, counting bytes so padding lands on the alignment. */
    private static final class CountingOutput {
        private final DataOutputStream out;
        private long written;

        CountingOutput(OutputStream out) {
            this.out = new DataOutputStream(out);
        }

        void bytes(byte[] b) throws IOException {
            out.write(b);
            written += b.length;
        }

        void u32(int v) throws IOException {
            out.writeInt(Integer.reverseBytes(v));
            written += 4;
        }

        void u64(long v) throws IOException {
            out.writeLong(Long.reverseBytes(v));
            written += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void pad() throws IOException {
            while (written % ALIGNMENT != 0) {
                out.write(0);
                written++;
            }
        }

        void flush() throws IOException {
            out.flush();
        }
    }
}
