package dev.panllama.engine.nativeapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class LogitsRowTest {
    private static LogitsRow row(float... logits) {
        return new LogitsRow(MemorySegment.ofArray(logits), logits.length);
    }

    @Test
    void argmaxPicksTheFirstOfEqualMaximaAsLlamaCppsGreedySamplerDoes() {
        assertEquals(1, row(1f, 3f, 3f, 2f).argmax());
        assertEquals(0, row(5f).argmax());
        assertEquals(3, row(Float.NEGATIVE_INFINITY, -2f, -1f, -0.5f).argmax());
    }

    @Test
    void masksWrittenIntoTheRowDecideTheArgmax() {
        LogitsRow row = row(0f, 9f, 1f, 2f);
        row.fillExcept(Float.NEGATIVE_INFINITY, new int[] {2, 3});
        assertEquals(3, row.argmax());
    }
}
