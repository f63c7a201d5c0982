package dev.panllama.acceptance.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.cli.serve.ApiServer;
import dev.panllama.cli.serve.ServerConfig;
import dev.panllama.engine.AsyncLLM;
import dev.panllama.engine.EngineArgs;
import dev.panllama.engine.testing.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A model (stories260K unless told) behind {@code panllama serve}'s server on 127.0.0.1 and an ephemeral port, plus a plain HTTP client. */
final class ServerUnderTest implements AutoCloseable {
    static final String MODEL = "stories260K";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A response: status and body, parsed as JSON when it is JSON. */
    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    final AsyncLLM llm;
    final ApiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ServerUnderTest(AsyncLLM llm, ApiServer server) {
        this.llm = llm;
        this.server = server;
    }

    /** stories260K as the serve tests run it; callers add what their feature needs. */
    static EngineArgs.Builder stories260K() {
        return EngineArgs.builder().model(TestModels.stories260K())
                .maxNumSeqs(8).maxNumBatchedTokens(128).seed(1234L).chatTemplate("chatml");
    }

    static ServerUnderTest start(ServerConfig config) throws Exception {
        return start(config, stories260K().build());
    }

    static ServerUnderTest start(ServerConfig config, EngineArgs args) throws Exception {
        AsyncLLM llm = AsyncLLM.fromEngineArgs(args);
        try {
            return new ServerUnderTest(llm, ApiServer.start(llm, config));
        } catch (Exception e) {
            llm.shutdown();
            throw e;
        }
    }

    static ServerUnderTest start() throws Exception {
        return start(ServerConfig.loopback(MODEL));
    }

    URI uri(String path) {
        return server.baseUri().resolve(path);
    }

    String openAiBase() {
        return server.baseUri() + "/v1";
    }

    Reply post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Reply send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    JsonNode llmJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        llm.shutdown();
    }
}
