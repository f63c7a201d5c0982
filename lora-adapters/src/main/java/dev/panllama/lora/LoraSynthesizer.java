package dev.panllama.lora;

import dev.panllama.engine.gguf.GgufFile;
import dev.panllama.engine.gguf.GgufFile.TensorInfo;
import dev.panllama.engine.gguf.GgufWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes a random LoRA adapter that fits a given model: for each targeted weight {@code blk.N.T.weight} of shape
 * [in, out], A = [in, r] with N(0, 1/in) entries and B = [r, out] with N(0, std²) entries (unlike training,
 * which starts B at zero, so the adapter changes the output from the start). Right for tests and benchmarks.
 */
public final class LoraSynthesizer {

    /**
     * @param rank    r
     * @param alpha   written as {@code adapter.lora.alpha}; the effective scale is scale·alpha/r
     * @param targets weight kinds, e.g. {@code attn_q}, {@code ffn_down}
     * @param layers  the blocks to adapt; empty means every block
     * @param seed    the same seed gives the same adapter
     * @param std     standard deviation of B's entries
     */
    public record Options(int rank, float alpha, List<String> targets, List<Integer> layers, long seed, double std) {
        public static final List<String> DEFAULT_TARGETS = List.of("attn_q", "attn_k", "attn_v", "attn_output");

        public Options {
            if (rank < 1) {
                throw new IllegalArgumentException("rank must be >= 1, got " + rank);
            }
            if (!(std > 0) || !Float.isFinite(alpha)) {
                throw new IllegalArgumentException("std must be > 0 and alpha finite");
            }
            targets = targets == null || targets.isEmpty() ? DEFAULT_TARGETS : List.copyOf(targets);
            layers = layers == null ? List.of() : List.copyOf(layers);
        }

        public static Options defaults() {
            return new Options(8, 8f, DEFAULT_TARGETS, List.of(), 42, 0.05);
        }
    }

    private LoraSynthesizer() {}

    /**
     * @return the written adapter, read back
     * @throws IllegalArgumentException when no weight of the model matches the targets and layers
     */
    public static LoraFile synthesize(Path model, Path output, Options options) {
        GgufFile file = GgufFile.read(model);
        long blocks = file.archInteger("block_count", 0);
        Set<Integer> layers = new TreeSet<>(options.layers());
        for (int layer : layers) {
            if (layer < 0 || layer >= blocks) {
                throw new IllegalArgumentException("layer " + layer + " is out of range: the model has " + blocks + " blocks");
            }
        }
        GgufWriter writer = adapterHeader(file.architecture(), options.alpha(), "synthetic LoRA r" + options.rank());
        Random random = new Random(options.seed());
        int r = options.rank();
        int written = 0;
        for (TensorInfo w : file.tensors()) {
            if (!targeted(w.name(), options.targets(), layers) || w.shape().length != 2) {
                continue;
            }
            int in = Math.toIntExact(w.shape()[0]);
            int out = Math.toIntExact(w.shape()[1]);
            float[] a = gaussian(random, (long) in * r, 1 / Math.sqrt(in));
            float[] b = gaussian(random, (long) r * out, options.std());
            writer.addTensor(w.name() + ".lora_a", new long[] {in, r}, a);
            writer.addTensor(w.name() + ".lora_b", new long[] {r, out}, b);
            written++;
        }
        if (written == 0) {
            throw new IllegalArgumentException("no weight of " + model.getFileName() + " matches targets "
                    + options.targets() + (layers.isEmpty() ? "" : " in layers " + layers));
        }
        writeAdapter(writer, output);
        return LoraFile.read(output);
    }

    /** Writes an adapter file whole or not at all; an I/O failure names the file. */
    static void writeAdapter(GgufWriter writer, Path output) {
        try {
            writer.write(output);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
    }

    /** The metadata llama.cpp requires of an adapter file. */
    static GgufWriter adapterHeader(String architecture, float alpha, String name) {
        return new GgufWriter()
                .putString("general.architecture", architecture)
                .putString("general.type", "adapter")
                .putString("general.name", name)
                .putString("adapter.type", "lora")
                .putFloat32("adapter.lora.alpha", alpha);
    }

    private static boolean targeted(String name, List<String> targets, Set<Integer> layers) {
        if (!name.startsWith("blk.") || !name.endsWith(".weight")) {
            return false;
        }
        String[] parts = name.split("\\.");
        if (parts.length != 4 || !targets.contains(parts[2])) {
            return false;
        }
        return layers.isEmpty() || layers.contains(Integer.parseInt(parts[1]));
    }

    private static float[] gaussian(Random random, long n, double std) {
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
