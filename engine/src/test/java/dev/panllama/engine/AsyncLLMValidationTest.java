package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.assertIdle;
import static dev.panllama.engine.EngineTesting.assertRanToLength;
import static dev.panllama.engine.EngineTesting.greedy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.EngineTesting.Collected;
import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bad request fails on the caller's thread with an {@link InvalidRequestException} naming the field to fix;
 * nothing reaches the engine, requests running meanwhile are unaffected and the engine stays healthy.
 * The {@link SamplingParams} range checks are listed in {@link SamplingParamsTest}; here they are replayed as
 * requests, next to what only {@code generate} can check: prompts, options and limits of the loaded model.
 */
class AsyncLLMValidationTest {
    private static final int MAX_MODEL_LEN = 64;

    static AsyncLLM llm;

    /** One request as a caller would write it. */
    @FunctionalInterface
    interface Submission {
        RequestStream submit(AsyncLLM llm);
    }

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(MAX_MODEL_LEN)
                .maxNumSeqs(8).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    private static Arguments bad(String description, String field, Submission submission) {
        return Arguments.of(Named.of(description, submission), field);
    }

    private static RequestStream generate(AsyncLLM llm, Prompt prompt) {
        return llm.generate(prompt, SamplingParams.defaults(), "bad");
    }

    private static RequestStream withOptions(AsyncLLM llm, GenerateOptions options) {
        return llm.generate(Prompt.text("Hi"), SamplingParams.defaults(), "bad", options);
    }

    private static RequestStream withParams(AsyncLLM llm, SamplingParams params) {
        return llm.generate(Prompt.text("Hi"), params, "bad");
    }

    /** Requests only an engine can judge: their prompt, options, and parameters measured against the model. */
    static Stream<Arguments> invalidRequests() {
        GenerateOptions options = GenerateOptions.defaults();
        SamplingParams params = SamplingParams.defaults();
        Stream<Arguments> own = Stream.of(
                bad("empty text prompt", "prompt", e -> generate(e, Prompt.text(""))),
                bad("null text prompt", "prompt", e -> generate(e, Prompt.text(null))),
                bad("empty token prompt", "prompt", e -> generate(e, Prompt.tokens())),
                bad("null prompt", "prompt", e -> generate(e, null)),
                bad("token id -1", "prompt_token_ids", e -> generate(e, Prompt.tokens(1, -1))),
                bad("token id = vocab size", "prompt_token_ids", e -> generate(e, Prompt.tokens(512))),
                bad("token id MAX_VALUE", "prompt_token_ids", e -> generate(e, Prompt.tokens(1, Integer.MAX_VALUE, 2))),
                bad("addRequest with token id 9999", "prompt_token_ids",
                        e -> e.addRequest("bad", new int[] {1, 9999}, params, options)),
                bad("chat without messages", "messages", e -> generate(e, Prompt.chat(List.of()))),
                bad("100 prompt tokens > max_model_len 64", "prompt", e -> generate(e, Prompt.tokens(ids(1, 100)))),
                bad("prompt = max_model_len (no room to generate)", "prompt",
                        e -> generate(e, Prompt.tokens(ids(1, MAX_MODEL_LEN)))),
                bad("text prompt > max_model_len", "prompt", e -> generate(e, Prompt.text(longText(e, 100)))),
                bad("options truncate_prompt_tokens 0", "truncate_prompt_tokens",
                        e -> withOptions(e, options.withTruncatePromptTokens(0))),
                bad("options truncate_prompt_tokens -2", "truncate_prompt_tokens",
                        e -> withOptions(e, options.withTruncatePromptTokens(-2))),
                bad("options truncate_prompt_tokens MIN_VALUE", "truncate_prompt_tokens",
                        e -> withOptions(e, options.withTruncatePromptTokens(Integer.MIN_VALUE))),
                bad("options truncate_prompt_tokens > max_model_len", "truncate_prompt_tokens",
                        e -> withOptions(e, options.withTruncatePromptTokens(MAX_MODEL_LEN + 1))),
                bad("params truncate_prompt_tokens > max_model_len", "truncate_prompt_tokens",
                        e -> withParams(e, params.toBuilder().truncatePromptTokens(100).build())),
                bad("lora_request without LoRA", "lora_request", e -> withOptions(e, options.withLoraRequest(new LoraRequest("adapter-1", 1, java.nio.file.Path.of("adapter-1.gguf"), 1f)))),
                bad("data_parallel_rank 1 with one engine", "data_parallel_rank",
                        e -> withOptions(e, options.withDataParallelRank(1))),
                bad("data_parallel_rank -1", "data_parallel_rank", e -> withOptions(e, options.withDataParallelRank(-1))),
                bad("null request id", "request_id", e -> e.generate(Prompt.text("Hi"), params, null)),
                bad("empty request id", "request_id", e -> e.generate(Prompt.text("Hi"), params, "")),
                bad("null sampling params", "sampling_params", e -> e.generate(Prompt.text("Hi"), null, "bad")));
        // valid SamplingParams the loaded model (vocab 512, max_logprobs 20) cannot serve
        Stream<Arguments> outOfModel = SamplingParamsTest.outOfModel().map(a -> fromBuilder(a, true));
        return Stream.concat(own, outOfModel);
    }

    /** SamplingParamsTest's rows as requests: the error comes from building the parameters, before submission. */
    static Stream<Arguments> invalidParams() {
        return SamplingParamsTest.invalidParams().map(a -> fromBuilder(a, false));
    }

    @SuppressWarnings("unchecked")
    private static Arguments fromBuilder(Arguments row, boolean buildOutside) {
        Named<Consumer<SamplingParams.Builder>> mutation = (Named<Consumer<SamplingParams.Builder>>) row.get()[0];
        SamplingParams.Builder builder = SamplingParams.builder();
        mutation.getPayload().accept(builder);
        Submission submission = e -> withParams(e, builder.build());
        if (buildOutside) {
            SamplingParams built = builder.build(); // valid on its own
            submission = e -> withParams(e, built);
        }
        return bad(mutation.getName(), (String) row.get()[1], submission);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("invalidRequests")
    void anInvalidRequestFailsWithATypedErrorNamingTheField(Submission submission, String field) throws Exception {
        assertRejected(submission, field);
        assertIdle(llm);
    }

    @Test
    void invalidRequestsLeaveConcurrentRequestsAndTheEngineHealthy() throws Exception {
        List<RequestStream> valid = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            valid.add(llm.generate(Prompt.text("Once upon a time"), greedy(50).outputKind(RequestOutputKind.DELTA).build(),
                    "valid-" + i));
        }
        List<Arguments> all = Stream.concat(invalidRequests(), invalidParams()).toList();
        assertTrue(all.size() >= 40, all.size() + " invalid combinations");
        for (Arguments row : all) {
            assertRejected((Submission) ((Named<?>) row.get()[0]).getPayload(), (String) row.get()[1]);
        }
        for (RequestStream stream : valid) {
            assertRanToLength(stream, RequestOutputKind.DELTA, 50);
        }
        llm.checkHealth();
        assertFalse(llm.errored());
        assertIdle(llm);
        assertEquals(5, EngineTesting.run(llm, Prompt.text("Hi"), greedy(5).build(), "after").size());
    }

    @Test
    void truncationKeepsTheLastTokensOfATooLongPrompt() throws Exception {
        int[] prompt = ids(1, 100);
        Collected auto = assertRanToLength(llm.addRequest("truncate-auto", prompt, greedy(1).build(),
                GenerateOptions.defaults().withTruncatePromptTokens(-1)), RequestOutputKind.CUMULATIVE, 1);
        assertEquals(IntStream.rangeClosed(100 - MAX_MODEL_LEN + 2, 100).boxed().toList(), auto.last().promptTokenIds(),
                "-1 keeps max_model_len - 1 tokens, leaving room for one");

        Collected ten = assertRanToLength(llm.addRequest("truncate-10", prompt, greedy(4).truncatePromptTokens(10).build(),
                GenerateOptions.defaults()), RequestOutputKind.CUMULATIVE, 4);
        assertEquals(IntStream.rangeClosed(91, 100).boxed().toList(), ten.last().promptTokenIds());
        assertIdle(llm);
    }

    private static void assertRejected(Submission submission, String field) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> submission.submit(llm));
        assertEquals(field, e.field(), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    private static int[] ids(int from, int to) {
        return IntStream.rangeClosed(from, to).toArray();
    }

    /** Story text of at least {@code tokens} tokens. */
    private static String longText(AsyncLLM engine, int tokens) {
        String text = "";
        while (engine.getTokenizer().encode(text, true).size() < tokens) {
            text += " Tim and his mom went to the big park. They saw a red ball and a happy dog.";
        }
        return text;
    }
}
