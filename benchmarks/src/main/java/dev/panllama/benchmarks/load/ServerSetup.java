package dev.panllama.benchmarks.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What every server of a side-by-side run is given alike.
 *
 * @param model          the GGUF both load
 * @param slots          sequences decoded together (panllama's {@code --max-num-seqs}, llama-server's {@code -np})
 * @param contextPerSlot tokens of prompt + output one request may hold; the KV cache holds slots × this, unified
 * @param threads        CPU threads for decode and prompt batches
 * @param batchTokens    tokens per decode call at most ({@code --max-num-batched-tokens}, llama-server's -b and -ub)
 */
public record ServerSetup(Path model, int slots, int contextPerSlot, int threads, int batchTokens) {
    public ServerSetup {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("no model file at " + model);
        }
        if (slots < 1 || contextPerSlot < 1 || threads < 1 || batchTokens < 1) {
            throw new IllegalArgumentException("slots, context per slot, threads and batch tokens must be >= 1, got "
                    + slots + ", " + contextPerSlot + ", " + threads + ", " + batchTokens);
        }
    }

    /** The name both servers answer to: the model file's name without {@code .gguf}. */
    public String servedModelName() {
        return servedModelName(model);
    }

    /** A server's default name for {@code model}: the file's name without {@code .gguf}. */
    public static String servedModelName(Path model) {
        return model.getFileName().toString().replaceFirst("\\.gguf$", "");
    }

    /**
     * llama.cpp's llama-server with this setup on {@code port}: one KV pool for all slots with a per-slot limit, as
     * panllama's engine has, its prompt
     * cache on as panllama's prefix cache is, its log kept for diagnosis.
     */
    public List<String> llamaServerCommand(Path binary, int port) {
        return List.of(binary.toString(), "-m", model.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "-np", Integer.toString(slots), "-c", Integer.toString(slots * contextPerSlot), "-kvu",
                "--kv-unified-per-slot", Integer.toString(contextPerSlot),
                "-b", Integer.toString(batchTokens), "-ub", Integer.toString(Math.min(512, batchTokens)),
                "-t", Integer.toString(threads), "-tb", Integer.toString(threads), "--cache-prompt", "--no-webui",
                "--alias", servedModelName());
    }

    /** {@code panllama serve}'s arguments for this setup on {@code port} (after the {@code serve} word). */
    public List<String> panllamaServeArguments(int port) {
        return List.of("-m", model.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--max-num-seqs", Integer.toString(slots), "--max-model-len", Integer.toString(contextPerSlot),
                "--max-num-batched-tokens", Integer.toString(batchTokens), "--threads", Integer.toString(threads),
                "--served-model-name", servedModelName());
    }
}
