package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panllama.engine.testing.TestModels;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChatAndTokenizeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tokenizePrintsIdsAndPieces() throws Exception {
        CommandRun run = CommandRun.of("tokenize", "-m", TestModels.stories260K().toString(), "Once upon");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode result = JSON.readTree(run.out());
        assertEquals(1, result.get("tokens").get(0).get("id").asInt(), "BOS first");
        assertTrue(result.get("count").asInt() >= 3);
    }

    @Test
    void generateJsonPrintsOneSnakeCaseOutputPerLineAndTheLastIsFinished() throws Exception {
        CommandRun run = CommandRun.of("generate", "-m", TestModels.stories260K().toString(), "--json", "-n", "12",
                "--ignore-eos", "--seed", "4", "--output-kind", "delta", "--logprobs", "2", "Once");
        assertEquals(0, run.exitCode(), run.err());
        String[] lines = run.out().strip().split("\n");
        int tokens = 0;
        for (int i = 0; i < lines.length; i++) {
            JsonNode out = JSON.readTree(lines[i]);
            assertEquals(i == lines.length - 1, out.get("finished").asBoolean());
            JsonNode completion = out.get("outputs").get(0);
            tokens += completion.get("token_ids").size();
            assertEquals(completion.get("token_ids").size(), completion.get("logprobs").size());
        }
        assertEquals(12, tokens);
        assertEquals("length", JSON.readTree(lines[lines.length - 1]).get("outputs").get(0).get("finish_reason").asText());
    }

    @Test
    void chatKeepsHistoryAcrossTurnsThroughTheChatTemplate() {
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Tell me a story.\n/reset\nAnd another one.\n/exit\n".getBytes(StandardCharsets.UTF_8)));
            CommandRun run = CommandRun.of("chat", "-m", TestModels.stories260K().toString(), "--chat-template", "chatml",
                    "-n", "10", "--ignore-eos", "--seed", "2");
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(2, run.out().strip().split("\n").length, "one reply line per user turn: " + run.out());
        } finally {
            System.setIn(stdin);
        }
    }
}
