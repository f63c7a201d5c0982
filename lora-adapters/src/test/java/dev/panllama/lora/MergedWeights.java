package dev.panllama.lora;

import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.gguf.GgufFile.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The reference the engine's LoRA output is compared with: a copy of an F32 model whose adapted weights are
 * replaced by W + s·B·A, computed here in double precision, independently of llama.cpp.
 */
final class MergedWeights {
    private MergedWeights() {}

    /** Writes {@code model} with {@code adapter} merged at {@code scale} (times alpha/rank when alpha is set). */
    static Path merge(Path model, LoraFile adapter, float scale, Path output) throws IOException {
        GgufFile lora = GgufFile.read(adapter.path());
        Map<String, float[]> deltas = new HashMap<>();
        for (var entry : adapter.pairs().entrySet()) {
            TensorInfo a = entry.getValue().a();
            TensorInfo b = entry.getValue().b();
            int r = (int) entry.getValue().rank();
            double s = adapter.alpha() != 0 ? scale * adapter.alpha() / r : scale;
            deltas.put(entry.getKey(), product(read(lora, b), read(lora, a), (int) b.shape()[1], r, (int) a.shape()[0], s));
        }
        return mergeDeltas(model, deltas, output);
    }

    /** s·B·A as a row-major [out][in] matrix, from B row-major [out][r] and A row-major [r][in]. */
    static float[] product(float[] b, float[] a, int out, int r, int in, double s) {
        float[] delta = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double sum = 0;
                for (int k = 0; k < r; k++) {
                    sum += (double) b[o * r + k] * a[k * in + i];
                }
                delta[o * in + i] = (float) (s * sum);
            }
        }
        return delta;
    }

    /** Writes {@code model} with each named F32 weight ([out][in] row-major) increased by its delta. */
    static Path mergeDeltas(Path model, Map<String, float[]> deltas, Path output) throws IOException {
        Files.copy(model, output, StandardCopyOption.REPLACE_EXISTING);
        GgufFile base = GgufFile.read(model);
        try (FileChannel out = FileChannel.open(output, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (var entry : deltas.entrySet()) {
                TensorInfo w = base.tensors().stream().filter(t -> t.name().equals(entry.getKey())).findFirst().orElseThrow();
                if (w.ggmlType() != 0) {
                    throw new IllegalArgumentException(w.name() + " is not F32");
                }
                float[] weights = floats(out, base.dataOffset() + w.offset(), (int) (w.shape()[0] * w.shape()[1]));
                float[] delta = entry.getValue();
                for (int i = 0; i < weights.length; i++) {
                    weights[i] += delta[i];
                }
                ByteBuffer bytes = ByteBuffer.allocate(weights.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(weights);
                out.write(bytes, base.dataOffset() + w.offset());
            }
        }
        return output;
    }

    /** A tensor's F32 values in ggml order. */
    static float[] read(GgufFile file, TensorInfo t) {
        try (FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ)) {
            long n = 1;
            for (long d : t.shape()) {
                n *= d;
            }
            return floats(channel, file.dataOffset() + t.offset(), (int) n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(FileChannel channel, long position, int count) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.hasRemaining()) {
            if (channel.read(bytes, position + bytes.position()) < 0) {
                throw new IOException("file ends early");
            }
        }
        bytes.flip();
        FloatBuffer floats = bytes.asFloatBuffer();
        float[] values = new float[count];
        floats.get(values);
        return values;
    }
}
