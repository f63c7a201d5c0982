package dev.panllama.acceptance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** panllama model synth → lora synth → lora info → generate --lora, and the tools' one-line errors. */
class LoraToolsIT {
    @TempDir
    Path dir;
    Path model;

    @BeforeEach
    void synthesizeModel() {
        model = dir.resolve("tiny.gguf");
        CommandRun synth = CommandRun.of("model", "synth", "--preset", "tiny", "--type", "F32", "-o", model.toString());
        assertEquals(0, synth.exitCode(), synth.err());
    }

    @Test
    void synthesizeInspectAndGenerateWithAnAdapter() {
        Path adapter = dir.resolve("adapter.gguf");
        CommandRun synth = CommandRun.of("lora", "synth", "-m", model.toString(), "-o", adapter.toString(), "--rank", "4",
                "--targets", "attn_q,attn_v", "--layers", "1", "--std", "0.5");
        assertEquals(0, synth.exitCode(), synth.err());
        assertTrue(synth.out().contains("blk.1.attn_q.weight") && !synth.out().contains("blk.0."), synth.out());

        CommandRun info = CommandRun.of("lora", "info", "--json", "-m", model.toString(), adapter.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.out().contains("\"rank\" : 4") && info.out().contains("\"architecture\" : \"llama\""), info.out());

        CommandRun base = CommandRun.of("generate", "-m", model.toString(), "-n", "12", "--ignore-eos", "--temperature", "0",
                "--no-echo", "Hello");
        CommandRun adapted = CommandRun.of("generate", "-m", model.toString(), "-n", "12", "--ignore-eos", "--temperature", "0",
                "--no-echo", "--lora", adapter.toString(), "--lora-allowed-dir", dir.toString(), "Hello");
        assertEquals(0, base.exitCode(), base.err());
        assertEquals(0, adapted.exitCode(), adapted.err());
        assertNotEquals(base.out(), adapted.out(), "the adapter changes the greedy continuation");
    }

    @Test
    void benchmarkWritesItsReport() throws Exception {
        Path out = dir.resolve("bench");
        CommandRun bench = CommandRun.of("lora", "bench", "-m", TestModels.stories260K().toString(), "--requests", "4",
                "-n", "4", "--repeats", "1", "-t", "1", "-o", out.toString());
        assertEquals(0, bench.exitCode(), bench.err());
        String md = Files.readString(out.resolve("lora-mixed.md"));
        assertTrue(md.contains("| base only |") && md.contains("| one adapter for all |") && md.contains("| base + 3 adapters |"), md);
        String json = Files.readString(out.resolve("lora-mixed.json"));
        assertTrue(json.contains("\"medianTokensPerSecond\"") && json.contains("\"outputTokensPerRun\" : 16"), json);
    }

    @Test
    void badAdaptersAreOneLineErrors() throws Exception {
        CommandRun notLora = CommandRun.of("lora", "info", model.toString());
        assertEquals(1, notLora.exitCode());
        assertTrue(notLora.err().contains("general.type"), notLora.err());

        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path adapter = dir.resolve("adapter.gguf");
        assertEquals(0, CommandRun.of("lora", "synth", "-m", model.toString(), "-o", adapter.toString()).exitCode());
        CommandRun outside = CommandRun.of("generate", "-m", model.toString(), "-n", "2", "--lora", adapter.toString(),
                "--lora-allowed-dir", elsewhere.toString(), "Hello");
        assertEquals(1, outside.exitCode());
        assertTrue(outside.err().contains("allowed director"), outside.err());

        CommandRun convert = CommandRun.of("lora", "convert", dir.toString(), "-m", model.toString(), "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, convert.exitCode());
        assertTrue(convert.err().contains("adapter_config.json"), convert.err());
    }
}
