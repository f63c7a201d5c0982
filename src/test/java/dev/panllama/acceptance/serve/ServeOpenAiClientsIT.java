package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.panllama.cli.serve.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real OpenAI clients against the server: the official Java SDK and LangChain4j's OpenAI models, with an API key. */
class ServeOpenAiClientsIT {
    static final String KEY = "test-key";
    static ServerUnderTest s;
    static OpenAIClient openai;

    @BeforeAll
    static void start() throws Exception {
        s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withApiKey(KEY));
        openai = OpenAIOkHttpClient.builder().baseUrl(s.openAiBase()).apiKey(KEY).maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        openai.close();
        s.close();
    }

    @Test
    void sdkCompletion() {
        Completion completion = openai.completions().create(CompletionCreateParams.builder()
                .model(ServerUnderTest.MODEL).prompt("Once upon a time").maxTokens(12L).n(3L).seed(5L).logprobs(1L).build());
        assertEquals(3, completion.choices().size());
        for (CompletionChoice choice : completion.choices()) {
            assertFalse(choice.text().isEmpty());
            assertEquals(CompletionChoice.FinishReason.LENGTH, choice.finishReason());
            assertEquals(12, choice.logprobs().orElseThrow().tokens().orElseThrow().size());
        }
        assertEquals(36, completion.usage().orElseThrow().completionTokens());
        assertTrue(completion.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens().isPresent());
    }

    @Test
    void sdkCompletionStreamMatchesTheNonStreamedGreedyText() {
        CompletionCreateParams params = CompletionCreateParams.builder()
                .model(ServerUnderTest.MODEL).prompt("Once upon a time").maxTokens(20L).temperature(0.0).build();
        String whole = openai.completions().create(params).choices().getFirst().text();
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> stream = openai.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> streamed.append(c.text())));
        }
        assertEquals(whole, streamed.toString());
    }

    @Test
    void sdkChat() {
        ChatCompletion chat = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(ServerUnderTest.MODEL).addUserMessage("Tell me a story").maxCompletionTokens(10L).temperature(0.0).build());
        assertEquals(1, chat.choices().size());
        assertTrue(chat.choices().getFirst().message().content().isPresent());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, chat.choices().getFirst().finishReason());
        assertEquals(10, chat.usage().orElseThrow().completionTokens());
    }

    @Test
    void sdkChatStreamMatchesTheNonStreamedGreedyText() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(ServerUnderTest.MODEL)
                .addUserMessage("Tell me a story").maxCompletionTokens(16L).temperature(0.0)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        String whole = openai.chat().completions().create(params.toBuilder().streamOptions(java.util.Optional.empty()).build())
                .choices().getFirst().message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        long[] usageTokens = {-1};
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(streamed::append));
                chunk.usage().ifPresent(u -> usageTokens[0] = u.completionTokens());
            });
        }
        assertEquals(whole, streamed.toString());
        assertEquals(16, usageTokens[0]);
    }

    @Test
    void sdkSeesOpenAiErrors() {
        assertThrows(NotFoundException.class, () -> openai.completions().create(CompletionCreateParams.builder()
                .model("no-such-model").prompt("x").build()));
        BadRequestException bad = assertThrows(BadRequestException.class, () -> openai.completions().create(
                CompletionCreateParams.builder().model(ServerUnderTest.MODEL).prompt("x").temperature(-3.0).build()));
        assertEquals("temperature", bad.param().orElseThrow());
        assertEquals("invalid_request_error", bad.type().orElseThrow());
        assertEquals("invalid_value", bad.code().orElseThrow());
    }

    @Test
    void langChain4jChatModel() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(s.openAiBase()).apiKey(KEY)
                .modelName(ServerUnderTest.MODEL).maxTokens(12).temperature(0.0).timeout(Duration.ofSeconds(30)).build();
        ChatResponse response = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(List.of(dev.langchain4j.data.message.UserMessage.from("Tell me a story"))).build());
        assertFalse(response.aiMessage().text().isEmpty());
        assertEquals(12, response.tokenUsage().outputTokenCount());
        assertTrue(response.tokenUsage().inputTokenCount() > 0);
    }

    @Test
    void langChain4jStreamingChatModel() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(s.openAiBase()).apiKey(KEY)
                .modelName(ServerUnderTest.MODEL).maxTokens(12).temperature(0.0).timeout(Duration.ofSeconds(30)).build();
        StringBuilder partials = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Tell me a story", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertNotNull(response.aiMessage().text());
        assertEquals(partials.toString(), response.aiMessage().text());
        assertFalse(partials.isEmpty());
    }
}
