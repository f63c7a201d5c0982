// The decode loops of llama-bench (tg) and llama-batched-bench (the S_TG phase), written in C against the same
// natives and context settings as panllama's benchmarks use, and timing every step. Beside llama.cpp's tools it says
// what a step costs on this host when no JVM is involved: a difference between this loop and the tool is the host's
// noise, one between this loop and panllama's raw loop or engine is panllama's. The benchmark harness compiles it with
// the system C compiler and runs it as a child process; it prints one JSON object per measurement on stdout.
//
//   native-decode-loop tg      MODEL THREADS GPU TOKENS RUNS
//   native-decode-loop batched MODEL THREADS GPU CTX BATCH UBATCH PROMPT GENERATED STREAMS[,STREAMS...] [UNIFIED [SAMPLERS]]
//
// UNIFIED (default 1) is llama-batched-bench's -kvu: one KV buffer for all sequences; 0 gives each its own stream.
// SAMPLERS 1 attaches llama.cpp's greedy sampler to every sequence as a backend sampler (picks made in the graph, as a
// panllama GPU engine does), to tell the host cost of in-graph picks from the rest (default 0: none, as the tools).
#define _POSIX_C_SOURCE 200809L // clock_gettime under -std=c11
#include "llama.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_STEPS 65536

static void quiet_log(enum ggml_log_level level, const char * text, void * user_data) {
    (void) level; (void) text; (void) user_data;
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static int compare_doubles(const void * a, const void * b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double median(double * values, int n) {
    qsort(values, (size_t) n, sizeof(double), compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static int fail(const char * what) {
    fprintf(stderr, "native-decode-loop: %s\n", what);
    return 1;
}

// Step periods and whether each step ran on a reused graph, for the statistics printed with every measurement.
struct steps {
    double period_us[MAX_STEPS];
    double call_us[MAX_STEPS]; // until llama_decode returned: on a GPU the host's share, before the wait for the device
    int reused[MAX_STEPS];
    int n;
};

static void print_steps(struct steps * s, const char * mode, int streams, double rate) {
    double sum = 0, new_graph_sum = 0;
    int reused = 0, new_graph = 0;
    for (int i = 0; i < s->n; i++) {
        sum += s->period_us[i];
        if (s->reused[i]) {
            reused++;
        } else {
            new_graph++;
            new_graph_sum += s->period_us[i];
        }
    }
    double mean = s->n ? sum / s->n : 0;
    double graph_reuse = s->n ? (double) reused / s->n : 0;
    double new_graph_mean = new_graph ? new_graph_sum / new_graph : 0;
    double med = s->n ? median(s->period_us, s->n) : 0;
    double call = s->n ? median(s->call_us, s->n) : 0;
    printf("{\"mode\": \"%s\", \"streams\": %d, \"tokens_per_second\": %.3f, \"steps\": %d, \"median_step_us\": %.2f,"
           " \"median_call_us\": %.2f, \"mean_step_us\": %.2f, \"graph_reuse\": %.4f, \"new_graph_step_us\": %.2f}\n",
           mode, streams, rate, s->n, med, call, mean, graph_reuse, new_graph_mean);
    fflush(stdout);
}

// One decode of the batch, then llama_synchronize: a step as llama.cpp's tools time it, and with PICKS > 0 reading the
// first PICKS outputs' in-graph picks back, as panllama's engine does. Notes the step's period and whether llama.cpp
// reused the previous graph (its reuse counter moved).
static int step(struct llama_context * ctx, struct llama_batch batch, struct steps * s, int picks) {
    int32_t reused_before = llama_perf_context(ctx).n_reused;
    int64_t start = now_ns();
    if (llama_decode(ctx, batch) != 0) {
        return 0;
    }
    int64_t returned = now_ns();
    llama_synchronize(ctx);
    for (int i = 0; i < picks; i++) {
        if (llama_get_sampled_token_ith(ctx, i) == LLAMA_TOKEN_NULL) {
            return 0;
        }
    }
    if (s != NULL && s->n < MAX_STEPS) {
        s->period_us[s->n] = (now_ns() - start) / 1e3;
        s->call_us[s->n] = (returned - start) / 1e3;
        s->reused[s->n] = llama_perf_context(ctx).n_reused > reused_before;
        s->n++;
    }
    return 1;
}

static void batch_set(struct llama_batch * batch, int i, llama_token token, llama_pos pos, llama_seq_id seq, int output) {
    batch->token[i] = token;
    batch->pos[i] = pos;
    batch->n_seq_id[i] = 1;
    batch->seq_id[i][0] = seq;
    batch->logits[i] = (int8_t) output;
}

static struct llama_context * context_for(struct llama_model * model, int ctx_tokens, int batch, int ubatch,
                                          int sequences, int unified, int threads, int gpu) {
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) ctx_tokens;
    cp.n_batch = (uint32_t) batch;
    cp.n_ubatch = (uint32_t) ubatch;
    cp.n_seq_max = (uint32_t) sequences;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.kv_unified = unified;
    cp.type_k = GGML_TYPE_F16;
    cp.type_v = GGML_TYPE_F16;
    cp.flash_attn_type = gpu ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_AUTO;
    return llama_init_from_model(model, cp);
}

// llama-bench's tg: one sequence, one token a decode with its logits, the next token drawn at random; a warm-up run,
// then RUNS timed runs, each after clearing the memory. The rate is the median run's.
static int run_tg(struct llama_model * model, int threads, int gpu, int tokens, int runs) {
    struct llama_context * ctx = context_for(model, tokens, 512, 512, 1, 0, threads, gpu);
    if (ctx == NULL) {
        return fail("llama.cpp could not create the context");
    }
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    llama_token bos = llama_vocab_bos(llama_model_get_vocab(model));
    struct llama_batch batch = llama_batch_init(1, 0, 1);
    static struct steps s;
    double * rates = calloc((size_t) runs, sizeof(double));
    int ok = rates != NULL;
    for (int r = -1; ok && r < runs; r++) {
        llama_memory_clear(llama_get_memory(ctx), 0);
        llama_token token = bos >= 0 ? bos : rand() % n_vocab;
        int64_t start = now_ns();
        for (int pos = 0; ok && pos < tokens; pos++) {
            batch.n_tokens = 1;
            batch_set(&batch, 0, token, pos, 0, 1);
            ok = step(ctx, batch, r >= 0 ? &s : NULL, 0);
            token = rand() % n_vocab;
        }
        if (r >= 0) {
            rates[r] = tokens * 1e9 / (double) (now_ns() - start);
        }
    }
    if (ok) {
        print_steps(&s, "tg", 1, median(rates, runs));
    }
    free(rates);
    llama_batch_free(batch);
    llama_free(ctx);
    return ok ? 0 : fail("llama_decode failed");
}

// llama-batched-bench's S_TG: for each stream count, the memory cleared, every stream's random prompt decoded (in
// BATCH-token calls), then GENERATED steps of one token per stream, each with its logits. The rate is
// streams x GENERATED over the generation steps' time.
static int run_batched(struct llama_model * model, int threads, int gpu, int ctx_tokens, int batch_tokens, int ubatch,
                       int prompt, int generated, const char * stream_list, int unified, int samplers) {
    int max_streams = 0;
    for (const char * p = stream_list; *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p)) {
        int n = atoi(p);
        max_streams = n > max_streams ? n : max_streams;
    }
    if (max_streams < 1) {
        return fail("no stream counts given");
    }
    // llama.cpp caps the batch size at the context size, and asserts (aborting) when a context has more sequences, or
    // a decode more tokens, than that: a generation step of the widest stream count must fit one batch
    if (max_streams > (batch_tokens < ctx_tokens ? batch_tokens : ctx_tokens)) {
        return fail("the widest stream count exceeds the batch size (at most the context size)");
    }
    struct llama_context * ctx = context_for(model, ctx_tokens, batch_tokens, ubatch, max_streams, unified, threads, gpu);
    if (ctx == NULL) {
        return fail("llama.cpp could not create the context");
    }
    // the context only borrows its samplers: they are freed after it
    struct llama_sampler ** chains = calloc((size_t) max_streams, sizeof(struct llama_sampler *));
    if (chains == NULL) {
        llama_free(ctx);
        return fail("out of memory");
    }
    for (int j = 0; samplers && j < max_streams; j++) {
        chains[j] = llama_sampler_chain_init(llama_sampler_chain_default_params());
        llama_sampler_chain_add(chains[j], llama_sampler_init_greedy());
        if (!llama_set_sampler(ctx, j, chains[j])) {
            llama_free(ctx);
            for (int k = 0; k <= j; k++) {
                llama_sampler_free(chains[k]);
            }
            free(chains);
            return fail("llama.cpp declined a backend sampler");
        }
    }
    int n_batch = (int) llama_n_batch(ctx);
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    int capacity = ctx_tokens > max_streams ? ctx_tokens : max_streams;
    struct llama_batch batch = llama_batch_init(capacity, 0, 1);
    static struct steps s;
    int ok = 1;
    // warm-up, as llama-batched-bench does: a short prompt on one sequence
    batch.n_tokens = 16 < n_batch ? 16 : n_batch;
    for (int i = 0; i < batch.n_tokens; i++) {
        batch_set(&batch, i, rand() % n_vocab, i, 0, 0);
    }
    ok = step(ctx, batch, NULL, 0);
    for (const char * p = stream_list; ok && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p)) {
        int streams = atoi(p);
        if (streams < 1 || streams * (prompt + generated) > ctx_tokens) {
            continue; // llama-batched-bench skips what does not fit too
        }
        llama_memory_clear(llama_get_memory(ctx), 0);
        int n = 0;
        for (int j = 0; j < streams; j++) {
            for (int i = 0; i < prompt; i++) {
                batch_set(&batch, n++, rand() % n_vocab, i, j, i == prompt - 1);
            }
        }
        for (int i = 0; ok && i < n; i += n_batch) {
            struct llama_batch view = batch;
            view.n_tokens = n - i < n_batch ? n - i : n_batch;
            view.token += i; view.pos += i; view.n_seq_id += i; view.seq_id += i; view.logits += i;
            ok = llama_decode(ctx, view) == 0;
        }
        llama_synchronize(ctx);
        s.n = 0;
        int64_t start = now_ns();
        for (int i = 0; ok && i < generated; i++) {
            batch.n_tokens = streams;
            for (int j = 0; j < streams; j++) {
                batch_set(&batch, j, rand() % n_vocab, prompt + i, j, 1);
            }
            ok = step(ctx, batch, &s, samplers ? streams : 0);
        }
        if (ok) {
            print_steps(&s, samplers ? "batched, in-graph picks" : "batched", streams, streams * (double) generated * 1e9 / (double) (now_ns() - start));
        }
    }
    llama_batch_free(batch);
    llama_free(ctx);
    for (int j = 0; j < max_streams; j++) {
        if (chains[j] != NULL) {
            llama_sampler_free(chains[j]);
        }
    }
    free(chains);
    return ok ? 0 : fail(samplers ? "llama_decode failed, or a step had no in-graph pick" : "llama_decode failed");
}

int main(int argc, char ** argv) {
    int tg = argc == 7 && strcmp(argv[1], "tg") == 0;
    int batched = argc >= 11 && argc <= 13 && strcmp(argv[1], "batched") == 0;
    if (!tg && !batched) {
        return fail("usage: tg MODEL THREADS GPU TOKENS RUNS | batched MODEL THREADS GPU CTX BATCH UBATCH PROMPT GENERATED STREAMS [UNIFIED [SAMPLERS]]");
    }
    int threads = atoi(argv[3]), gpu = atoi(argv[4]);
    if (threads < 1 || atoi(argv[5]) < 1 || atoi(argv[6]) < 1 || (batched && (atoi(argv[7]) < 1 || atoi(argv[8]) < 1 || atoi(argv[9]) < 1))) {
        return fail("threads, tokens, runs and sizes must be at least 1");
    }
    // every timed step is kept for the statistics: refuse more than they hold rather than report a part as the whole
    if ((tg ? (long long) atoi(argv[5]) * atoi(argv[6]) : atoi(argv[9])) > MAX_STEPS) {
        return fail("more timed steps than the loop keeps (MAX_STEPS, 65536)");
    }
    llama_log_set(quiet_log, NULL);
    llama_backend_init();
    srand(42);
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = -1; // every layer where a GPU is, as llama.cpp's tools and panllama's raw loop load it
    mp.load_mode = LLAMA_LOAD_MODE_MMAP;
    struct llama_model * model = llama_model_load_from_file(argv[2], mp);
    if (model == NULL) {
        return fail("llama.cpp could not load the model");
    }
    int status = tg ? run_tg(model, threads, gpu, atoi(argv[5]), atoi(argv[6]))
                    : run_batched(model, threads, gpu, atoi(argv[5]), atoi(argv[6]), atoi(argv[7]), atoi(argv[8]),
                                  atoi(argv[9]), argv[10], argc >= 12 ? atoi(argv[11]) : 1, argc == 13 && atoi(argv[12]));
    llama_model_free(model);
    llama_backend_free();
    return status;
}
