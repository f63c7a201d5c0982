package dev.panllama.engine.core;

/**
 * Logprobs at one position: entry 0 is the chosen token, then the top-k alternatives by rank.
 * {@code ranks[i]} is the 1-based rank of {@code tokens[i]} in the full distribution.
 */
public record TokenLogprobs(int[] tokens, float[] logprobs, int[] ranks) {

    /**
     * Log-softmax of raw logits for {@code chosen} plus the {@code topK} most likely tokens (-1 = all).
     * Raw means before temperature, penalties and masks, as vLLM reports by default.
     */
    static TokenLogprobs of(float[] logits, int chosen, int topK) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        float logZ = (float) (max + Math.log(sum));
        int k = topK < 0 ? logits.length : Math.min(topK, logits.length);
        int[] top = topIndices(logits, k);
        int chosenRank = 1;
        for (float v : logits) {
            if (v > logits[chosen]) {
                chosenRank++;
            }
        }
        int[] tokens = new int[k + 1];
        float[] logprobs = new float[k + 1];
        int[] ranks = new int[k + 1];
        tokens[0] = chosen;
        logprobs[0] = logits[chosen] - logZ;
        ranks[0] = chosenRank;
        for (int i = 0; i < k; i++) {
            tokens[i + 1] = top[i];
            logprobs[i + 1] = logits[top[i]] - logZ;
            ranks[i + 1] = i + 1;
        }
        return new TokenLogprobs(tokens, logprobs, ranks);
    }

    /** Indices of the k largest values, largest first (partial selection; k is small in practice). */
    private static int[] topIndices(float[] values, int k) {
        if (k == 0) {
            return new int[0];
        }
        if (k == values.length) {
            Integer[] all = new Integer[values.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            java.util.Arrays.sort(all, (a, b) -> Float.compare(values[b], values[a]));
            return java.util.Arrays.stream(all).mapToInt(Integer::intValue).toArray();
        }
        int[] top = new int[k];
        java.util.Arrays.fill(top, -1);
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (top[k - 1] >= 0 && v <= values[top[k - 1]]) {
                continue;
            }
            int j = k - 1;
            while (j > 0 && (top[j - 1] < 0 || values[top[j - 1]] < v)) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = i;
        }
        return top;
    }
}
