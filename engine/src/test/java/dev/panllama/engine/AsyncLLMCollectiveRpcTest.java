package dev.panllama.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.bindings.NativeLog;
import dev.panllama.engine.nativeapi.ContextParams.FlashAttention;
import dev.panllama.engine.nativeapi.DevicePlacement.SplitMode;
import dev.panllama.engine.testing.TestModels;
import dev.panllama.engine.workers.UnknownWorkerMethodException;
import dev.panllama.engine.workers.WorkerCallException;
import dev.panllama.engine.workers.WorkerTimeoutException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * collectiveRpc on in-process workers (this process's devices): the built-in methods, ServiceLoader methods, Java
 * functions, timeouts and typed errors; and the parallel configuration's validation.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AsyncLLMCollectiveRpcTest {
    private static AsyncLLM llm;

    @BeforeAll
    static void start() {
        llm = AsyncLLM.fromEngineArgs(EngineArgs.builder().model(TestModels.stories260K()).maxModelLen(128).maxNumSeqs(2)
                .threads(1).build());
    }

    @AfterAll
    static void stop() {
        llm.shutdown();
    }

    @Test
    void builtInMethodsAnswerOncePerLocalWorker() throws Exception {
        assertEquals(List.of("pong"), llm.collectiveRpc("ping", Duration.ofSeconds(5), List.of(), Map.of()).get());
        Map<?, ?> device = (Map<?, ?>) llm.collectiveRpc("device_info", null, null, null).get().getFirst();
        assertEquals(0, device.get("rank"));
        assertEquals("CPU", device.get("name"));
        assertTrue((Long) device.get("total_bytes") > 0 && (Long) device.get("free_bytes") > 0, device.toString());
        Map<?, ?> backend = (Map<?, ?>) llm.collectiveRpc("backend_info", null, null, null).get().getFirst();
        assertEquals("7.0.0", backend.get("rpc_protocol"));
        assertTrue(backend.get("devices").toString().contains("CPU"), backend.toString());
        Map<?, ?> cache = (Map<?, ?>) llm.collectiveRpc("cache_stats", null, null, null).get().getFirst();
        assertEquals(false, cache.get("enabled"));
    }

    @Test
    void setLogLevelChangesWhatNativeLogForwards() throws Exception {
        String before = NativeLog.level();
        try {
            Map<?, ?> reply = (Map<?, ?>) llm.collectiveRpc("set_log_level", null, List.of(), Map.of("level", "error")).get().getFirst();
            assertEquals("error", reply.get("level"));
            assertEquals("error", NativeLog.level());
            ExecutionException bad = assertThrows(ExecutionException.class,
                    () -> llm.collectiveRpc("set_log_level", null, List.of("loud"), Map.of()).get());
            assertTrue(bad.getCause().getMessage().contains("not one of debug, info, warn, error"), bad.getCause().getMessage());
        } finally {
            NativeLog.setLevel(before);
        }
    }

    @Test
    void javaFunctionsAndServiceLoaderMethodsRunOnEveryWorker() throws Exception {
        assertEquals(List.of("CPU@0"), llm.collectiveRpc(w -> w.deviceName() + "@" + w.rank(), Duration.ofSeconds(5)).get());
        assertEquals(List.of(0), llm.collectiveRpc("test_sleep", Duration.ofSeconds(5), List.of(1), Map.of()).get());
    }

    @Test
    void timeoutsUnknownMethodsAndFailuresAreTyped() {
        ExecutionException late = assertThrows(ExecutionException.class,
                () -> llm.collectiveRpc(w -> { Thread.sleep(10_000); return 1; }, Duration.ofMillis(100)).get());
        assertInstanceOf(WorkerTimeoutException.class, late.getCause());
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> llm.collectiveRpc("nope", null, List.of(), Map.of()).get());
        assertInstanceOf(UnknownWorkerMethodException.class, unknown.getCause());
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> llm.collectiveRpc("test_fail", null, List.of("bad"), Map.of()).get());
        WorkerCallException call = assertInstanceOf(WorkerCallException.class, failed.getCause());
        assertEquals(0, call.rank());
        assertTrue(call.getMessage().contains("bad on rank 0"), call.getMessage());
        assertTrue(llm.isRunning());
    }

    @Test
    void invalidParallelSettingsNameWhatToFix() throws IOException {
        Path model = TestModels.stories260K();
        InvalidRequestException tensorWithoutFlash = assertThrows(InvalidRequestException.class, () -> EngineArgs.builder()
                .model(model).flashAttention(FlashAttention.DISABLED)
                .parallel(new ParallelConfig(List.of(), null, 2, SplitMode.TENSOR, 1)).build());
        assertTrue(tensorWithoutFlash.getMessage().contains("needs flash attention"), tensorWithoutFlash.getMessage());
        assertThrows(InvalidRequestException.class, () -> new ParallelConfig(List.of(), null, 1, SplitMode.TENSOR, 1)
                .checkAgainst(FlashAttention.AUTO));
        assertThrows(InvalidRequestException.class, () -> new ParallelConfig(List.of("localhost"), Path.of("t"), 0, SplitMode.LAYER, 1));
        InvalidRequestException noToken = assertThrows(InvalidRequestException.class,
                () -> new ParallelConfig(List.of("127.0.0.1:1"), null, 0, SplitMode.LAYER, 1));
        assertTrue(noToken.getMessage().contains("worker_token_file"), noToken.getMessage());
        assertThrows(InvalidRequestException.class, () -> new ParallelConfig(List.of("127.0.0.1:1"), Path.of("t"), 0, SplitMode.LAYER, 2));
        assertThrows(InvalidRequestException.class, () -> new ParallelConfig(List.of(), null, 0, SplitMode.LAYER, 0));
        // this process has no GPU: a tensor-parallel size above one cannot be honoured locally
        InvalidRequestException noDevices = assertThrows(InvalidRequestException.class, () -> AsyncLLM.fromEngineArgs(
                EngineArgs.builder().model(model).parallel(new ParallelConfig(List.of(), null, 2, SplitMode.LAYER, 1)).build()));
        assertTrue(noDevices.getMessage().contains("tensor_parallel_size 2"), noDevices.getMessage());
        assertTrue(llm.isRunning());
    }

    @Test
    void anUnreachableWorkerFailsEngineStartWithATypedError() throws IOException {
        Path token = Files.createTempFile("token", ".txt");
        Files.writeString(token, "secret");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        EngineArgs args = EngineArgs.builder().model(TestModels.stories260K())
                .parallel(new ParallelConfig(List.of("127.0.0.1:" + closedPort), token, 0, SplitMode.LAYER, 1)).build();
        WorkerCallException e = assertThrows(WorkerCallException.class, () -> AsyncLLM.fromEngineArgs(args));
        assertEquals(0, e.rank());
        assertEquals("unreachable", e.errorType());
        assertNotNull(e.getMessage());
        Files.delete(token);
    }
}
