package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_sampler_chain_params;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A llama.cpp sampler chain (one per sequence: chains keep state such as penalty history and RNG).
 * Closing it frees the chain and every sampler in it.
 */
public final class SamplerChain implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;

    private SamplerChain(MemorySegment raw) {
        this.handle = raw.reinterpret(arena, LlamaCpp::llama_sampler_free);
    }

    /** Always the most likely token. */
    public static SamplerChain greedy() {
        return builder().build();
    }

    /** A chain of just {@code sampler}, which it takes ownership of. */
    static SamplerChain of(MemorySegment sampler) {
        SamplerChain chain = new SamplerChain(newChain());
        LlamaCpp.llama_sampler_chain_add(chain.handle, sampler);
        return chain;
    }

    private static MemorySegment newChain() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment params = LlamaCpp.llama_sampler_chain_default_params(call);
            llama_sampler_chain_params.no_perf(params, true);
            return LlamaCpp.llama_sampler_chain_init(params);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    MemorySegment handle() {
        return handle;
    }

    /** Samples the token for batch index {@code i} of the context's last decode and records it in the chain. */
    public int sample(Context context, int i) {
        context.checkOutput(i);
        return LlamaCpp.llama_sampler_sample(handle, context.handle(), i);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /**
     * Builds the chain in llama.cpp's usual order: top-k → top-p → min-p → temperature → pick. Temperature 0 (the
     * default) picks greedily; otherwise the pick draws from the distribution with the seed. Penalties, bias and
     * masks are not here: the engine applies them to the logits row before the chain samples it.
     */
    public static final class Builder {
        private int topK;
        private float topP = 1f;
        private float minP;
        private float temperature;
        private long seed = 0xFFFFFFFFL; // LLAMA_DEFAULT_SEED: random

        public Builder topK(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + k);
            }
            this.topK = k;
            return this;
        }

        public Builder topP(float p) {
            if (!(p > 0f && p <= 1f)) {
                throw new IllegalArgumentException("topP must be in (0, 1], got " + p);
            }
            this.topP = p;
            return this;
        }

        public Builder minP(float p) {
            if (!(p >= 0f && p <= 1f)) {
                throw new IllegalArgumentException("minP must be in [0, 1], got " + p);
            }
            this.minP = p;
            return this;
        }

        public Builder temperature(float t) {
            if (!(t >= 0f) || Float.isInfinite(t)) {
                throw new IllegalArgumentException("temperature must be >= 0, got " + t);
            }
            this.temperature = t;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s & 0xFFFFFFFFL;
            return this;
        }

        public SamplerChain build() {
            MemorySegment chain = newChain();
            SamplerChain sampler = new SamplerChain(chain);
            // the chain takes ownership of each sampler added to it
            if (temperature == 0f) {
                LlamaCpp.llama_sampler_chain_add(chain, LlamaCpp.llama_sampler_init_greedy());
                return sampler;
            }
            if (topK > 0) {
                LlamaCpp.llama_sampler_chain_add(chain, LlamaCpp.llama_sampler_init_top_k(topK));
            }
            if (topP < 1f) {
                LlamaCpp.llama_sampler_chain_add(chain, LlamaCpp.llama_sampler_init_top_p(topP, 1));
            }
            if (minP > 0f) {
                LlamaCpp.llama_sampler_chain_add(chain, LlamaCpp.llama_sampler_init_min_p(minP, 1));
            }
            LlamaCpp.llama_sampler_chain_add(chain, LlamaCpp.llama_sampler_init_temp(temperature));
            LlamaCpp.llama_sampler_chain_add(chain, LlamaCpp.llama_sampler_init_dist((int) seed));
            return sampler;
        }
    }
}
