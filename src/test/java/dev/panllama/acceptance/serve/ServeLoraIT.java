package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.cli.serve.ServerConfig;
import dev.panllama.engine.GenerateOptions;
import dev.panllama.engine.LoraRequest;
import dev.panllama.engine.Prompt;
import dev.panllama.engine.SamplingParams;
import dev.panllama.engine.testing.TestModels;
import dev.panllama.lora.LoraSynthesizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters served as models: one from {@code --lora-modules} at startup, one loaded and unloaded at runtime,
 * each checked against the engine running the same adapter file directly.
 */
class ServeLoraIT {
    static final String PROMPT = "Once upon a time";
    @TempDir
    static Path dir;
    static Path startupAdapter;
    static Path runtimeAdapter;
    static ServerUnderTest s;

    @BeforeAll
    static void start() throws Exception {
        startupAdapter = synthesize(1);
        runtimeAdapter = synthesize(2);
        s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withRuntimeLoraUpdating(true)
                        .withLoraModules(Map.of("startup-lora", startupAdapter)),
                ServerUnderTest.stories260K().enableLora(true).maxLoras(2).maxCpuLoras(4).loraAllowedDirs(List.of(dir)).build());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static Path synthesize(int seed) {
        return LoraSynthesizer.synthesize(TestModels.stories260K(), dir.resolve("adapter-" + seed + ".gguf"),
                new LoraSynthesizer.Options(8, 8f, null, null, seed, 0.5)).path();
    }

    static String complete(String model) throws Exception {
        ServerUnderTest.Reply reply = s.post("/v1/completions", ServerUnderTest.json(Map.of("model", model, "prompt", PROMPT,
                "max_tokens", 16, "temperature", 0, "ignore_eos", true)));
        assertEquals(200, reply.status(), reply.body());
        assertEquals(model, reply.json().get("model").asText());
        return reply.json().get("choices").get(0).get("text").asText();
    }

    /** The same greedy request on the engine itself, with the adapter file under an id the server does not use. */
    static String direct(Path adapter, int id) {
        try (var stream = s.llm.generate(Prompt.text(PROMPT),
                SamplingParams.builder().temperature(0).maxTokens(16).ignoreEos(true).build(), "direct-" + adapter.getFileName(),
                GenerateOptions.defaults().withLoraRequest(new LoraRequest("direct-" + id, id, adapter)))) {
            return stream.finalOutput().outputs().getFirst().text();
        }
    }

    static List<String> modelIds() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode card : s.get("/v1/models").json().get("data")) {
            ids.add(card.get("id").asText());
        }
        return ids;
    }

    @Test
    void startupAdapterIsAModelOfItsOwn() throws Exception {
        assertEquals(List.of(ServerUnderTest.MODEL, "startup-lora"), modelIds().subList(0, 2));
        JsonNode card = s.get("/v1/models").json().get("data").get(1);
        assertEquals(ServerUnderTest.MODEL, card.get("parent").asText());
        assertEquals(startupAdapter.toString(), card.get("root").asText());
        String adapted = complete("startup-lora");
        assertNotEquals(complete(ServerUnderTest.MODEL), adapted, "the adapter changes greedy output");
        assertEquals(direct(startupAdapter, 1001), adapted);
    }

    @Test
    void loadServeAndUnloadAtRuntime() throws Exception {
        String load = ServerUnderTest.json(Map.of("lora_name", "runtime-lora", "lora_path", runtimeAdapter.toString()));
        ServerUnderTest.Reply loaded = s.post("/v1/load_lora_adapter", load);
        assertEquals(200, loaded.status(), loaded.body());
        assertEquals(true, modelIds().contains("runtime-lora"));
        assertEquals(direct(runtimeAdapter, 1002), complete("runtime-lora"));

        ServerUnderTest.Reply again = s.post("/v1/load_lora_adapter", load);
        assertEquals(400, again.status(), again.body());
        assertEquals("lora_name", again.json().get("error").get("param").asText());

        ServerUnderTest.Reply unloaded = s.post("/v1/unload_lora_adapter", "{\"lora_name\":\"runtime-lora\"}");
        assertEquals(200, unloaded.status(), unloaded.body());
        assertEquals(false, modelIds().contains("runtime-lora"));
        ServerUnderTest.Reply gone = s.post("/v1/completions", "{\"model\":\"runtime-lora\",\"prompt\":\"x\",\"max_tokens\":1}");
        assertEquals(404, gone.status(), gone.body());
        assertEquals(404, s.post("/v1/unload_lora_adapter", "{\"lora_name\":\"runtime-lora\"}").status());
    }

    @Test
    void badAdaptersAre400sAndTheServerKeepsServing() throws Exception {
        Path notGguf = Files.writeString(dir.resolve("not-an-adapter.gguf"), "not a gguf file");
        ServerUnderTest.Reply bad = s.post("/v1/load_lora_adapter",
                ServerUnderTest.json(Map.of("lora_name", "bad", "lora_path", notGguf.toString())));
        assertEquals(400, bad.status(), bad.body());
        ServerUnderTest.Reply outside = s.post("/v1/load_lora_adapter",
                ServerUnderTest.json(Map.of("lora_name", "outside", "lora_path", "/etc/hostname")));
        assertEquals(400, outside.status(), outside.body());
        ServerUnderTest.Reply missing = s.post("/v1/load_lora_adapter", "{\"lora_name\":\"x\"}");
        assertEquals(400, missing.status(), missing.body());
        assertEquals("lora_path", missing.json().get("error").get("param").asText());
        assertEquals(false, modelIds().contains("bad"));
        complete(ServerUnderTest.MODEL);
    }

    @Test
    void withoutTheFlagTheRoutesAre404AndLoraModulesNeedLora() throws Exception {
        try (ServerUnderTest plain = ServerUnderTest.start()) {
            assertEquals(404, plain.post("/v1/load_lora_adapter", "{}").status());
            assertEquals(404, plain.post("/v1/unload_lora_adapter", "{}").status());
        }
        assertThrows(IllegalArgumentException.class, () -> ServerUnderTest.start(
                ServerConfig.loopback(ServerUnderTest.MODEL).withRuntimeLoraUpdating(true)));
    }
}
