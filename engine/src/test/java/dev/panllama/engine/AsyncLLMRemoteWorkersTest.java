package dev.panllama.engine;

import static dev.panllama.engine.EngineTesting.greedy;
import static dev.panllama.engine.EngineTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import dev.panllama.engine.testing.TestModels;
import dev.panllama.engine.workers.UnknownWorkerMethodException;
import dev.panllama.engine.workers.WorkerCallException;
import dev.panllama.engine.workers.WorkerLostException;
import dev.panllama.engine.workers.LocalWorkers;
import dev.panllama.engine.workers.WorkerTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two {@code panllama worker} processes on loopback hold the model's layers over ggml RPC: greedy outputs equal the
 * single-process ones, collectiveRpc reaches both workers in rank order with typed errors, the control endpoint
 * refuses calls without the token, and a killed worker leaves the engine unhealthy instead of hanging it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 80, unit = TimeUnit.SECONDS)
class AsyncLLMRemoteWorkersTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The dog", "Lily and Tom went to the park");

    private static LocalWorkers workers;
    private static AsyncLLM remote;
    private static List<List<Integer>> local;

    @BeforeAll
    static void start() {
        workers = LocalWorkers.start(2, 1);
        try (AsyncLLM single = AsyncLLM.fromEngineArgs(args().build())) {
            local = generateAll(single);
        }
        remote = AsyncLLM.fromEngineArgs(args().parallel(new ParallelConfig(workers.controlEndpoints(), workers.tokenFile(),
                0, SplitMode.LAYER, 1)).build());
    }

    @AfterAll
    static void stop() {
        try {
            if (remote != null) {
                remote.shutdown();
            }
        } finally {
            workers.close();
        }
    }

    private static EngineArgs.Builder args() {
        return EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(128).maxNumSeqs(4).maxNumBatchedTokens(64).threads(1);
    }

    private static List<List<Integer>> generateAll(AsyncLLM llm) {
        List<List<Integer>> outputs = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            outputs.add(run(llm, Prompt.text(PROMPTS.get(i)), greedy(24).build(), "p" + i));
        }
        return outputs;
    }

    @Test
    @Order(1)
    void greedyOutputOverTwoRpcWorkersEqualsTheSingleProcessOutput() {
        assertEquals(local, generateAll(remote));
        assertEquals(24, local.getFirst().size());
    }

    @Test
    @Order(2)
    void deviceInfoAnswersOncePerWorkerInRankOrder() throws Exception {
        List<Object> replies = remote.collectiveRpc("device_info", Duration.ofSeconds(10), List.of(), Map.of()).get();
        assertEquals(2, replies.size());
        for (int rank = 0; rank < 2; rank++) {
            Map<?, ?> info = (Map<?, ?>) replies.get(rank);
            assertEquals(rank, ((Number) info.get("rank")).intValue());
            assertEquals(workers.workers().get(rank).rpc(), info.get("rpc_endpoint"));
            assertEquals("CPU", info.get("name"));
            assertTrue(((Number) info.get("total_bytes")).longValue() > 0, info.toString());
        }
        assertEquals(List.of("pong", "pong"), remote.collectiveRpc("ping", null, List.of(), Map.of()).get());
    }

    @Test
    @Order(3)
    void aMethodThatOutlivesItsTimeoutFailsWithATimeoutError() {
        long start = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> remote.collectiveRpc("test_sleep", Duration.ofMillis(300), List.of(20_000), Map.of()).get());
        assertInstanceOf(WorkerTimeoutException.class, e.getCause(), e.toString());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the timeout was not honoured");
        assertTrue(remote.isRunning());
    }

    @Test
    @Order(4)
    void unknownMethodsAndWorkerFailuresAreTypedAndNameTheRank() {
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> remote.collectiveRpc("no_such_method", Duration.ofSeconds(5), List.of(), Map.of()).get());
        UnknownWorkerMethodException typed = assertInstanceOf(UnknownWorkerMethodException.class, unknown.getCause());
        assertTrue(typed.getMessage().contains("worker has no method 'no_such_method'"), typed.getMessage());

        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> remote.collectiveRpc("test_fail", Duration.ofSeconds(5), List.of("boom"), Map.of()).get());
        WorkerCallException call = assertInstanceOf(WorkerCallException.class, failed.getCause());
        assertTrue(call.getMessage().contains("boom on rank " + call.rank()), call.getMessage());
        assertEquals(IllegalStateException.class.getName(), call.errorType());
        assertTrue(remote.isRunning());
    }

    @Test
    @Order(5)
    void theControlEndpointRefusesCallsWithoutTheToken() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            URI call = URI.create("http://" + workers.controlEndpoints().getFirst() + "/v1/call");
            String body = "{\"method\":\"ping\"}";
            HttpRequest.Builder request = HttpRequest.newBuilder(call).POST(HttpRequest.BodyPublishers.ofString(body));
            assertEquals(401, http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpRequest wrong = HttpRequest.newBuilder(call).header("Authorization", "Bearer not-the-token")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            assertEquals(401, http.send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpRequest right = HttpRequest.newBuilder(call).header("Authorization", "Bearer " + workers.token())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> ok = http.send(right, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("pong"), ok.body());
        }
    }

    @Test
    @Order(6)
    void tensorSplitOverTheSameWorkersGivesTheSameGreedyOutput() {
        remote.shutdown(); // a ggml RPC server serves one engine at a time
        remote = AsyncLLM.fromEngineArgs(args().parallel(new ParallelConfig(workers.controlEndpoints(), workers.tokenFile(),
                2, SplitMode.TENSOR, 1)).build());
        assertEquals(local, generateAll(remote));
    }

    @Test
    @Order(7)
    void aKilledWorkerMakesTheEngineUnhealthyWithoutHanging() throws Exception {
        workers.kill(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (remote.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(remote.errored(), "the engine did not notice the lost worker");
        EngineDeadException dead = assertThrows(EngineDeadException.class,
                () -> remote.generate(Prompt.text("Once"), greedy(4).build(), "after-kill"));
        assertInstanceOf(WorkerLostException.class, dead.getCause(), dead.toString());
        assertTrue(dead.getMessage().contains("worker rank 1"), dead.getMessage());
        assertThrows(EngineDeadException.class, () -> remote.collectiveRpc("ping", Duration.ofSeconds(2), List.of(), Map.of()));
    }
}
