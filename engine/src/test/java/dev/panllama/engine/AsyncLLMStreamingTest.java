package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AsyncLLMStreamingTest {
    static AsyncLLM llm;

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxNumSeqs(8)
                .maxNumBatchedTokens(64).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @ParameterizedTest
    @EnumSource(RequestOutputKind.class)
    void sixteenConcurrentRequestsGetExactlyMaxTokensAndOneFinalOutput(RequestOutputKind kind) throws Exception {
        String[] prompts = {"Once upon a time", "The dog", "Lily and Tom went to the park to play with a ball", "Hi"};
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<int[]>> results = new ArrayList<>();
            for (int r = 0; r < 16; r++) {
                int maxTokens = 5 + 3 * r;
                String prompt = prompts[r % prompts.length];
                String id = "req-" + r;
                results.add(pool.submit(() -> {
                    SamplingParams params = SamplingParams.builder().maxTokens(maxTokens).ignoreEos(true)
                            .temperature(0.8).seed(7L).outputKind(kind).build();
                    int tokens = 0;
                    int finishedCount = 0;
                    boolean lastWasFinished = false;
                    int outputs = 0;
                    List<Integer> promptIds = null;
                    try (RequestStream stream = llm.generate(Prompt.text(prompt), params, id)) {
                        while (stream.hasNext()) {
                            RequestOutput out = stream.next();
                            outputs++;
                            assertEquals(id, out.requestId());
                            if (promptIds == null) {
                                promptIds = out.promptTokenIds();
                            }
                            // one prompt list for the whole stream, not a copy per output
                            assertSame(promptIds, out.promptTokenIds());
                            CompletionOutput c = out.outputs().getFirst();
                            tokens = kind == RequestOutputKind.DELTA ? tokens + c.tokenIds().size() : c.tokenIds().size();
                            if (out.finished()) {
                                finishedCount++;
                            }
                            lastWasFinished = out.finished();
                        }
                    }
                    assertEquals(1, finishedCount);
                    assertTrue(lastWasFinished);
                    if (kind == RequestOutputKind.FINAL_ONLY) {
                        assertEquals(1, outputs);
                    }
                    return new int[] {maxTokens, tokens};
                }));
            }
            for (Future<int[]> f : results) {
                int[] r = f.get(120, TimeUnit.SECONDS);
                assertEquals(r[0], r[1], "tokens generated");
            }
        }
        EngineTesting.assertIdle(llm);
    }
}
