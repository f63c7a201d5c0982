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

/**
 * The reference the engine's LoRA output is compared with: a copy of an F32 model whose adapted weights are
 * replaced by W + s·B·A, computed here in double precision, independently of llama.cpp.
 */
final class MergedWeights {
    private MergedWeights() {}

    /** Writes {@code model} with {@code adapter} merged at {@code scale} (times alpha/rank when alpha is set). */
    static Path merge(Path model, LoraFile adapter, float scale, Path output) throws IOException {
        Files.copy(model, output, StandardCopyOption.REPLACE_EXISTING);
        GgufFile base = GgufFile.read(model);
        GgufFile lora = GgufFile.read(adapter.path());
        try (FileChannel out = FileChannel.open(output, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (var entry : adapter.pairs().entrySet()) {
                TensorInfo w = base.tensors().stream().filter(t -> t.name().equals(entry.getKey())).findFirst().orElseThrow();
                if (w.ggmlType() != 0) {
                    throw new IllegalArgumentException(w.name() + " is not F32");
                }
                int in = (int) w.shape()[0];
                int outDim = (int) w.shape()[1];
                int r = (int) entry.getValue().rank();
                double s = adapter.alpha() != 0 ? scale * adapter.alpha() / r : scale;
                float[] weights = floats(out, base.dataOffset() + w.offset(), in * outDim);
                float[] a = read(lora, entry.getValue().a());
                float[] b = read(lora, entry.getValue().b());
                for (int o = 0; o < outDim; o++) {
                    for (int i = 0; i < in; i++) {
                        double delta = 0;
                        for (int k = 0; k < r; k++) {
                            delta += (double) b[o * r + k] * a[k * in + i];
                        }
                        weights[o * in + i] = (float) (weights[o * in + i] + s * delta);
                    }
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
