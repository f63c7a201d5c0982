package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SamplingParamsTest {

    private static Arguments bad(String description, String field, Consumer<SamplingParams.Builder> mutation) {
        return Arguments.of(Named.of(description, mutation), field);
    }

    private static Map<Integer, Float> bias(Integer token, Float value) {
        Map<Integer, Float> map = new HashMap<>();
        map.put(token, value);
        return map;
    }

    /** Each row: one invalid request and the vLLM field its error must name. */
    static Stream<Arguments> invalidParams() {
        return Stream.of(
                bad("n=0", "n", b -> b.n(0)),
                bad("n=-1", "n", b -> b.n(-1)),
                bad("n above VLLM_MAX_N_SEQUENCES", "n", b -> b.n(SamplingParams.MAX_N + 1)),
                bad("n=2 with temperature 0", "n", b -> b.n(2).temperature(0)),
                bad("n=2 with temperature -0.0 (greedy)", "n", b -> b.n(2).temperature(-0.0)),
                bad("temperature -0.1", "temperature", b -> b.temperature(-0.1)),
                bad("temperature -1e-9", "temperature", b -> b.temperature(-1e-9)),
                bad("temperature NaN", "temperature", b -> b.temperature(Double.NaN)),
                bad("temperature +inf", "temperature", b -> b.temperature(Double.POSITIVE_INFINITY)),
                bad("temperature -inf", "temperature", b -> b.temperature(Double.NEGATIVE_INFINITY)),
                bad("top_p 0", "top_p", b -> b.topP(0)),
                bad("top_p -0.5", "top_p", b -> b.topP(-0.5)),
                bad("top_p 1.0001", "top_p", b -> b.topP(1.0001)),
                bad("top_p NaN", "top_p", b -> b.topP(Double.NaN)),
                bad("top_p +inf", "top_p", b -> b.topP(Double.POSITIVE_INFINITY)),
                bad("top_p 0 even when greedy", "top_p", b -> b.temperature(0).topP(0)),
                bad("top_k -2", "top_k", b -> b.topK(-2)),
                bad("top_k -100", "top_k", b -> b.topK(-100)),
                bad("top_k MIN_VALUE", "top_k", b -> b.topK(Integer.MIN_VALUE)),
                bad("min_p -0.01", "min_p", b -> b.minP(-0.01)),
                bad("min_p 1.01", "min_p", b -> b.minP(1.01)),
                bad("min_p NaN", "min_p", b -> b.minP(Double.NaN)),
                bad("presence_penalty -2.01", "presence_penalty", b -> b.presencePenalty(-2.01)),
                bad("presence_penalty 2.01", "presence_penalty", b -> b.presencePenalty(2.01)),
                bad("presence_penalty NaN", "presence_penalty", b -> b.presencePenalty(Double.NaN)),
                bad("presence_penalty +inf", "presence_penalty", b -> b.presencePenalty(Double.POSITIVE_INFINITY)),
                bad("frequency_penalty -2.5", "frequency_penalty", b -> b.frequencyPenalty(-2.5)),
                bad("frequency_penalty 3", "frequency_penalty", b -> b.frequencyPenalty(3)),
                bad("frequency_penalty NaN", "frequency_penalty", b -> b.frequencyPenalty(Double.NaN)),
                bad("repetition_penalty 0", "repetition_penalty", b -> b.repetitionPenalty(0)),
                bad("repetition_penalty -1", "repetition_penalty", b -> b.repetitionPenalty(-1)),
                bad("repetition_penalty NaN", "repetition_penalty", b -> b.repetitionPenalty(Double.NaN)),
                bad("repetition_penalty +inf", "repetition_penalty",
                        b -> b.repetitionPenalty(Double.POSITIVE_INFINITY)),
                bad("max_tokens 0", "max_tokens", b -> b.maxTokens(0)),
                bad("max_tokens -5", "max_tokens", b -> b.maxTokens(-5)),
                bad("min_tokens -1", "min_tokens", b -> b.minTokens(-1)),
                bad("min_tokens 17 > default max_tokens 16", "min_tokens", b -> b.minTokens(17)),
                bad("min_tokens 5 > max_tokens 4", "min_tokens", b -> b.maxTokens(4).minTokens(5)),
                bad("logprobs -2", "logprobs", b -> b.logprobs(-2)),
                bad("logprobs -100", "logprobs", b -> b.logprobs(-100)),
                bad("prompt_logprobs -2", "prompt_logprobs", b -> b.promptLogprobs(-2)),
                bad("prompt_logprobs MIN_VALUE", "prompt_logprobs", b -> b.promptLogprobs(Integer.MIN_VALUE)),
                bad("stop [\"\"]", "stop", b -> b.stop("")),
                bad("stop [\"a\", \"\"]", "stop", b -> b.stop("a", "")),
                bad("stop with a null element", "stop", b -> b.stop(Arrays.asList("a", null))),
                bad("stop with detokenize=false", "stop", b -> b.stop("\n").detokenize(false)),
                bad("stop_token_ids with a null element", "stop_token_ids",
                        b -> b.stopTokenIds(Arrays.asList(2, null))),
                bad("bad_words [\"\"]", "bad_words", b -> b.badWords(List.of(""))),
                bad("bad_words with a null element", "bad_words", b -> b.badWords(Arrays.asList("x", null))),
                bad("allowed_token_ids empty", "allowed_token_ids", b -> b.allowedTokenIds(List.of())),
                bad("allowed_token_ids with a null element", "allowed_token_ids",
                        b -> b.allowedTokenIds(Arrays.asList(1, null))),
                bad("logit_bias NaN", "logit_bias", b -> b.logitBias(bias(5, Float.NaN))),
                bad("logit_bias +inf", "logit_bias", b -> b.logitBias(bias(5, Float.POSITIVE_INFINITY))),
                bad("logit_bias -inf", "logit_bias", b -> b.logitBias(bias(5, Float.NEGATIVE_INFINITY))),
                bad("logit_bias null value", "logit_bias", b -> b.logitBias(bias(5, null))),
                bad("logit_bias null key", "logit_bias", b -> b.logitBias(bias(null, 1f))),
                bad("truncate_prompt_tokens 0", "truncate_prompt_tokens", b -> b.truncatePromptTokens(0)),
                bad("truncate_prompt_tokens -2", "truncate_prompt_tokens", b -> b.truncatePromptTokens(-2)),
                bad("output_kind null", "output_kind", b -> b.outputKind(null)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("invalidParams")
    void invalidParamsAreRejectedNamingTheField(Consumer<SamplingParams.Builder> mutation, String field) {
        SamplingParams.Builder builder = SamplingParams.builder();
        mutation.accept(builder);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, builder::build);
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(field), () -> "message should name " + field + ": " + e.getMessage());
    }

    @Test
    void atLeastFortyFiveInvalidCombinationsAreCovered() {
        assertTrue(invalidParams().count() >= 45);
    }

    @Test
    void messagesNameTheBadValueAndTheAllowedRange() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> SamplingParams.builder().topP(1.5).build());
        assertEquals("top_p must be in (0, 1], got 1.5.", e.getMessage());
        assertEquals(1.5, e.value());

        e = assertThrows(InvalidRequestException.class, () -> SamplingParams.builder().maxTokens(8).minTokens(9).build());
        assertEquals("min_tokens must be less than or equal to max_tokens=8, got 9.", e.getMessage());

        e = assertThrows(InvalidRequestException.class, () -> SamplingParams.builder().n(3).temperature(0).build());
        assertTrue(e.getMessage().startsWith("n must be 1 when using greedy sampling, got 3"), e.getMessage());
    }

    @Test
    void defaultsAreVllms() {
        SamplingParams p = SamplingParams.defaults();
        assertEquals(1, p.n());
        assertEquals(1.0, p.temperature());
        assertEquals(1.0, p.topP());
        assertEquals(0, p.topK());
        assertEquals(0.0, p.minP());
        assertNull(p.seed());
        assertEquals(List.of(), p.stop());
        assertEquals(List.of(), p.stopTokenIds());
        assertFalse(p.includeStopStrInOutput());
        assertFalse(p.ignoreEos());
        assertEquals(16, p.maxTokens());
        assertEquals(0, p.minTokens());
        assertNull(p.logprobs());
        assertNull(p.promptLogprobs());
        assertEquals(0.0, p.presencePenalty());
        assertEquals(0.0, p.frequencyPenalty());
        assertEquals(1.0, p.repetitionPenalty());
        assertEquals(Map.of(), p.logitBias());
        assertNull(p.allowedTokenIds());
        assertEquals(List.of(), p.badWords());
        assertTrue(p.skipSpecialTokens());
        assertTrue(p.spacesBetweenSpecialTokens());
        assertTrue(p.detokenize());
        assertEquals(RequestOutputKind.CUMULATIVE, p.outputKind());
        assertNull(p.truncatePromptTokens());
        assertFalse(p.isGreedy());
        assertEquals(p, SamplingParams.builder().build());
    }

    @Test
    void greedyForcesTruncationFiltersOff() {
        SamplingParams p = SamplingParams.builder().temperature(0).topP(0.5).topK(40).minP(0.2).build();
        assertTrue(p.isGreedy());
        assertEquals(1.0, p.topP());
        assertEquals(0, p.topK());
        assertEquals(0.0, p.minP());
        assertEquals(SamplingParams.builder().temperature(0).build(), p);
    }

    @Test
    void smallTemperaturesAreClampedNotGreedy() {
        SamplingParams p = SamplingParams.builder().temperature(0.005).topK(40).build();
        assertEquals(SamplingParams.MIN_TEMPERATURE, p.temperature());
        assertFalse(p.isGreedy());
        assertEquals(40, p.topK());
        // 1e-6 is below the greedy threshold, but clamping comes first, as in vLLM
        assertEquals(0.01, SamplingParams.builder().temperature(1e-6).build().temperature());
        assertEquals(2, SamplingParams.builder().temperature(1e-6).n(2).build().n());
        assertEquals(0.01, SamplingParams.builder().temperature(0.01).build().temperature());
    }

    @Test
    void boundaryValuesAreAccepted() {
        SamplingParams p = SamplingParams.builder()
                .n(SamplingParams.MAX_N).topP(1.0).topK(1).minP(1.0)
                .presencePenalty(-2).frequencyPenalty(2).repetitionPenalty(Double.MIN_VALUE)
                .maxTokens(1).minTokens(1).logprobs(-1).promptLogprobs(0).truncatePromptTokens(-1)
                .build();
        assertEquals(SamplingParams.MAX_N, p.n());
        assertEquals(-1, p.logprobs());
        assertEquals(-1, p.truncatePromptTokens());
        assertEquals(1, SamplingParams.builder().truncatePromptTokens(1).build().truncatePromptTokens());
    }

    @Test
    void unlimitedMaxTokensAllowsAnyMinTokens() {
        SamplingParams p = SamplingParams.builder().maxTokens(null).minTokens(100_000).build();
        assertNull(p.maxTokens());
        assertEquals(100_000, p.minTokens());
    }

    @Test
    void topKMinusOneMeansDisabledAndIsNormalisedToZero() {
        SamplingParams p = SamplingParams.builder().topK(-1).build();
        assertEquals(0, p.topK());
        assertEquals(SamplingParams.defaults(), p);
    }

    @Test
    void seedMinusOneMeansRandom() {
        assertNull(SamplingParams.builder().seed(-1).build().seed());
        assertNull(SamplingParams.builder().seed(Long.valueOf(-1)).build().seed());
        assertEquals(-2L, SamplingParams.builder().seed(-2).build().seed());
        assertEquals(0L, SamplingParams.builder().seed(0).build().seed());
        assertNull(SamplingParams.builder().seed(7).build().withSeed(-1L).seed());
        assertNull(SamplingParams.builder().seed(7).build().withSeed(null).seed());
    }

    @Test
    void childrenGetSeedPlusIndexAndNOne() {
        SamplingParams parent = SamplingParams.builder().n(3).seed(100).temperature(0.8).build();
        for (int i = 0; i < 3; i++) {
            SamplingParams child = parent.forChild(i);
            assertEquals(1, child.n());
            assertEquals(100L + i, child.seed());
            assertEquals(0.8, child.temperature());
        }
        SamplingParams unseeded = SamplingParams.builder().n(2).build();
        assertNull(unseeded.forChild(1).seed());
        assertEquals(unseeded.forChild(0), unseeded.forChild(1));
        assertThrows(IllegalArgumentException.class, () -> parent.forChild(3));
        assertThrows(IllegalArgumentException.class, () -> parent.forChild(-1));
    }

    @Test
    void withNAndWithSeedRevalidate() {
        SamplingParams p = SamplingParams.builder().temperature(0.7).build();
        assertEquals(4, p.withN(4).n());
        assertEquals(42L, p.withSeed(42L).seed());
        SamplingParams greedy = SamplingParams.builder().temperature(0).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> greedy.withN(2));
        assertEquals("n", e.field());
        assertEquals("n", assertThrows(InvalidRequestException.class, () -> p.withN(0)).field());
    }

    @Test
    void collectionsAreImmutableCopies() {
        List<String> stop = new ArrayList<>(List.of("\n"));
        List<Integer> allowed = new ArrayList<>(List.of(1, 2));
        Map<Integer, Float> bias = new HashMap<>(Map.of(3, 1.5f));
        SamplingParams p = SamplingParams.builder().stop(stop).allowedTokenIds(allowed).logitBias(bias)
                .stopTokenIds(7, 8).badWords(new ArrayList<>(List.of("bad"))).build();
        stop.add("x");
        allowed.add(3);
        bias.put(4, 2f);
        assertEquals(List.of("\n"), p.stop());
        assertEquals(List.of(1, 2), p.allowedTokenIds());
        assertEquals(Map.of(3, 1.5f), p.logitBias());
        assertEquals(List.of(7, 8), p.stopTokenIds());
        assertThrows(UnsupportedOperationException.class, () -> p.stop().add("y"));
        assertThrows(UnsupportedOperationException.class, () -> p.stopTokenIds().add(1));
        assertThrows(UnsupportedOperationException.class, () -> p.allowedTokenIds().clear());
        assertThrows(UnsupportedOperationException.class, () -> p.badWords().add("z"));
        assertThrows(UnsupportedOperationException.class, () -> p.logitBias().put(9, 0f));
    }

    @Test
    void nullCollectionsMeanNone() {
        SamplingParams p = SamplingParams.builder().stop((List<String>) null).stopTokenIds((List<Integer>) null)
                .badWords(null).logitBias(null).allowedTokenIds(null).build();
        assertEquals(SamplingParams.defaults(), p);
    }

    @Test
    void toBuilderRoundTrips() {
        SamplingParams p = SamplingParams.builder().n(2).temperature(0.5).topP(0.9).topK(5).minP(0.1).seed(3)
                .stop("END").stopTokenIds(2).includeStopStrInOutput(true).ignoreEos(true).maxTokens(64)
                .minTokens(4).logprobs(5).promptLogprobs(1).presencePenalty(0.5).frequencyPenalty(-0.5)
                .repetitionPenalty(1.1).logitBias(Map.of(1, -100f)).allowedTokenIds(List.of(1, 2, 3))
                .badWords(List.of("ugly")).skipSpecialTokens(false).spacesBetweenSpecialTokens(false)
                .outputKind(RequestOutputKind.DELTA).truncatePromptTokens(128).build();
        assertEquals(p, p.toBuilder().build());
        assertNotEquals(p, p.toBuilder().outputKind(RequestOutputKind.FINAL_ONLY).build());
    }

    @Test
    void checkAgainstAcceptsRequestsThatFitTheModel() {
        SamplingParams.builder().logprobs(20).promptLogprobs(20).logitBias(Map.of(0, 1f, 511, -1f))
                .allowedTokenIds(List.of(0, 511)).stopTokenIds(2, 511).build()
                .checkAgainst(512, 20);
        SamplingParams.builder().logprobs(-1).promptLogprobs(-1).build().checkAgainst(512, -1);
        SamplingParams.builder().logprobs(0).build().checkAgainst(512, 0);
        SamplingParams.defaults().checkAgainst(1, 0);
    }

    static Stream<Arguments> outOfModel() {
        return Stream.of(
                bad("logprobs 21 > max 20", "logprobs", b -> b.logprobs(21)),
                bad("logprobs -1 (vocab 512) > max 20", "logprobs", b -> b.logprobs(-1)),
                bad("prompt_logprobs 21 > max 20", "prompt_logprobs", b -> b.promptLogprobs(21)),
                bad("prompt_logprobs -1 > max 20", "prompt_logprobs", b -> b.promptLogprobs(-1)),
                bad("logit_bias key = vocab", "logit_bias", b -> b.logitBias(Map.of(512, 1f))),
                bad("logit_bias key -1", "logit_bias", b -> b.logitBias(Map.of(-1, 1f))),
                bad("allowed_token_ids -1", "allowed_token_ids", b -> b.allowedTokenIds(List.of(3, -1))),
                bad("allowed_token_ids = vocab", "allowed_token_ids", b -> b.allowedTokenIds(List.of(512))),
                bad("stop_token_ids = vocab", "stop_token_ids", b -> b.stopTokenIds(2, 512)),
                bad("stop_token_ids -5", "stop_token_ids", b -> b.stopTokenIds(-5)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("outOfModel")
    void checkAgainstRejectsWhatTheModelCannotServe(Consumer<SamplingParams.Builder> mutation, String field) {
        SamplingParams.Builder builder = SamplingParams.builder();
        mutation.accept(builder);
        SamplingParams p = builder.build(); // valid on its own: only the model makes it wrong
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> p.checkAgainst(512, 20));
        assertEquals(field, e.field());
    }

    @Test
    void checkAgainstMessagesFollowVllm() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> SamplingParams.builder().logprobs(25).build().checkAgainst(512, 20));
        assertEquals("Requested sample logprobs of 25, which is greater than max allowed: 20", e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> SamplingParams.builder().logitBias(Map.of(600, 1f)).build().checkAgainst(512, 20));
        assertEquals("token_id(s) [600] in logit_bias contain out-of-vocab token ids. Vocabulary size: 512",
                e.getMessage());
        assertEquals(List.of(600), e.value());
    }

    @Test
    void checkAgainstRejectsNonsenseModelLimits() {
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().checkAgainst(0, 20));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.defaults().checkAgainst(512, -2));
    }

    @Test
    void typedErrors() {
        LoraNotEnabledException lora = new LoraNotEnabledException("LoRARequest(name=sql, id=1)");
        assertInstanceOf(InvalidRequestException.class, lora);
        assertEquals("lora_request", lora.field());
        assertEquals("Got lora_request LoRARequest(name=sql, id=1) but LoRA is not enabled!", lora.getMessage());

        IllegalStateException root = new IllegalStateException("decode failed");
        EngineDeadException dead = new EngineDeadException(root);
        assertSame(root, dead.getCause());
        assertTrue(dead.getMessage().contains("decode failed"));
        assertNull(new EngineDeadException().getCause());
        assertInstanceOf(PanllamaException.class, dead);
    }
}
