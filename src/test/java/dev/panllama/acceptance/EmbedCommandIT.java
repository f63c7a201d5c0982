package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.panllama.engine.testing.EmbeddingTestModels;
import dev.panllama.engine.testing.EmbeddingTestModels.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** panllama model convert-onnx → panllama embed, through the command line, checked against LangChain4j. */
class EmbedCommandIT {
    @TempDir
    Path dir;

    @Test
    void convertThenEmbedLinesAsJson() throws Exception {
        Path gguf = dir.resolve("minilm.gguf");
        CommandRun convert = CommandRun.of("model", "convert-onnx",
                "--onnx", EmbeddingTestModels.onnx(Reference.ALL_MINILM_L6_V2).toString(),
                "--tokenizer", EmbeddingTestModels.tokenizer(Reference.ALL_MINILM_L6_V2).toString(),
                "--pooling", "mean", "--type", "f16", "-o", gguf.toString());
        assertEquals(0, convert.exitCode(), convert.err());
        assertTrue(convert.out().contains("bert"), convert.out());

        List<String> lines = List.of("The weather is lovely today.", "Embeddings map text to vectors.", "Ünïcödé façade, 42!");
        Path input = dir.resolve("lines.txt");
        Files.write(input, lines);
        CommandRun embed = CommandRun.of("embed", "--model", gguf.toString(), "--input", input.toString());
        assertEquals(0, embed.exitCode(), embed.err());
        List<String> out = embed.out().lines().toList();
        assertEquals(lines.size(), out.size(), embed.out());
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode vector = json.readTree(out.get(i)).get("embedding");
            float[] expected = reference.embed(lines.get(i)).content().vector();
            assertEquals(expected.length, vector.size());
            double dot = 0;
            for (int d = 0; d < expected.length; d++) {
                dot += vector.get(d).asDouble() * expected[d];
            }
            assertTrue(dot >= 0.999, "line " + i + ": cosine " + dot);
        }
    }

    @Test
    void badInputIsAOneLineError() throws Exception {
        CommandRun badPooling = CommandRun.of("model", "convert-onnx", "--onnx", "x.onnx", "--tokenizer", "t.json",
                "--pooling", "max", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, badPooling.exitCode());
        assertTrue(badPooling.err().contains("mean or cls"), badPooling.err());

        Path input = dir.resolve("empty-line.txt");
        Files.write(input, List.of("first", ""));
        CommandRun embed = CommandRun.of("embed", "--model", EmbeddingTestModels.gguf(Reference.ALL_MINILM_L6_V2).toString(),
                "--input", input.toString());
        assertEquals(1, embed.exitCode());
        assertTrue(embed.err().contains("line 2") && embed.err().contains("empty"), embed.err());
    }
}
