package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.PauseMode;
import dev.panllama.engine.core.EngineSnapshot;
import dev.panllama.engine.core.StepStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * A client that leaves mid-request aborts it as soon as its FIN or RST reaches the server, whether or not the
 * server has anything to write: the engine's running count drops at the next step boundary.
 */
class ServeDisconnectIT {
    static final int MAX_TOKENS = 1500;
    private static final long SECONDS = 1_000_000_000L;

    /** How the client leaves: a reset (SO_LINGER 0, as a killed client) or an orderly close (FIN). */
    enum Leave { RESET, CLOSE }

    /**
     * The engine is paused (requests frozen in place) when the client leaves, so no step runs and nothing is
     * written: the server must notice the close itself, and the request leaves the engine with zero steps in
     * between. Streamed and non-streamed (silent until the end) alike.
     */
    @ParameterizedTest(name = "stream={0}, {1}")
    @CsvSource({"true, RESET", "true, CLOSE", "false, RESET", "false, CLOSE"})
    void aClientThatLeavesIsAbortedWithoutAnotherStep(boolean stream, Leave leave) throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start()) {
            List<StepStats> steps = recordSteps(s);
            long stepsAtClose;
            try (Socket socket = send(s, stream)) {
                if (stream) {
                    readEvents(socket, 3);
                } else {
                    awaitDecoding(s, steps);
                }
                s.llm.pauseGeneration(PauseMode.KEEP, false).get(10, TimeUnit.SECONDS);
                EngineSnapshot paused = s.llm.engineSnapshot().get();
                assertEquals(1, paused.running(), "the request is running (frozen) when the client leaves");
                stepsAtClose = paused.steps();
                leave(socket, leave);
            }
            EngineSnapshot after = awaitNotRunning(s);
            assertEquals(0, after.running(), "the request left the engine while it was paused");
            assertEquals(stepsAtClose, after.steps(), "no step ran between the client leaving and the abort");
            s.llm.resumeGeneration().get(10, TimeUnit.SECONDS);
            awaitNoLiveRequests(s);
            long decodedAfter = steps.stream().filter(st -> st.step() > stepsAtClose && !st.decodeRequests().isEmpty()).count();
            assertEquals(0, decodedAfter, "nothing decoded after resume");
            assertEquals(200, s.get("/health").status());
        }
    }

    /**
     * Mid-stream with the engine running: the step in flight when the client resets may finish, the abort lands
     * at the boundary after the step in which the server saw the reset, and no later step decodes the request.
     */
    @Test
    void aResetMidStreamLeavesTheEngineAtTheNextStepBoundary() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start()) {
            List<StepStats> steps = recordSteps(s);
            long closedAt;
            try (Socket socket = send(s, true)) {
                readEvents(socket, 3);
                closedAt = System.nanoTime();
                leave(socket, Leave.RESET);
            }
            // the abort is a state update from the engine thread: no requests, 0 nanos, running 0, stamped when applied
            long deadline = System.nanoTime() + 5 * SECONDS;
            StepStats abort = null;
            while (abort == null && System.nanoTime() < deadline) {
                abort = steps.stream().filter(st -> st.nanos() == 0 && st.running() == 0 && st.startNanos() >= closedAt)
                        .findFirst().orElse(null);
                Thread.sleep(1);
            }
            assertTrue(abort != null, "no abort state update in " + steps);
            awaitNoLiveRequests(s);
            long lastDecode = steps.stream().filter(st -> !st.decodeRequests().isEmpty())
                    .mapToLong(StepStats::step).max().orElseThrow();
            long startedAfterClose = steps.stream()
                    .filter(st -> !st.decodeRequests().isEmpty() && st.startNanos() > closedAt).count();
            long appliedMicros = (abort.startNanos() - closedAt) / 1_000;
            System.out.printf("disconnect: abort applied %d us after the reset, after step %d; %d decode steps started"
                    + " after the reset, the last one %d%n", appliedMicros, abort.step(), startedAfterClose, lastDecode);
            assertTrue(lastDecode <= abort.step(), "step " + lastDecode + " decoded the request after the abort landed"
                    + " after step " + abort.step());
            // the server sees the reset at once, without a write; tiny stories260K steps may run meanwhile, as many as
            // fit in the time the selector, a virtual thread and the engine thread take to be scheduled
            assertTrue(appliedMicros < 250_000, "the abort landed " + appliedMicros + " us after the reset");
            assertEquals(200, s.get("/health").status());
        }
    }

    /**
     * The watch hands the connection back intact: a second request on a kept-alive connection is served, and a
     * request pipelined behind a stream (it arrives while the first streams, so the watch sees its bytes) stays in
     * the socket for Jetty to serve after the first response.
     */
    @Test
    void keptAliveAndPipelinedRequestsAreServedAfterAStream() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start(); Socket socket = new Socket(s.server.baseUri().getHost(), s.server.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            out.write(request(40, true));
            out.flush();
            assertTrue(readStream(in) > 0, "the first stream, read to its end");
            out.write(request(200, true));
            out.flush();
            readEvents(in, 1);
            out.write(request(20, true)); // pipelined while the second streams
            out.flush();
            assertTrue(readStream(in) > 0, "the rest of the second stream");
            assertTrue(readStream(in) > 0, "the pipelined request");
            assertEquals(0, awaitNotRunning(s).running());
            awaitNoLiveRequests(s);
        }
    }

    /**
     * Clients that stay are never taken for gone: back-to-back streams on kept-alive connections (where the selector
     * can wake the watch for bytes Jetty has already read) all run to max_tokens.
     */
    @Test
    void clientsThatStayAreNeverAborted() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start(); ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 8, \"ignore_eos\": true, \"stream\": true,"
                    + " \"stream_options\": {\"include_usage\": true}}";
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                runs.add(clients.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    for (int i = 0; i < 60; i++) {
                        ServerUnderTest.Reply reply = s.post("/v1/completions", body);
                        if (reply.status() != 200 || !reply.body().contains("\"completion_tokens\":8")
                                || reply.body().contains("\"abort\"") || !reply.body().endsWith("data: [DONE]\n\n")) {
                            wrong.add(reply.status() + ": " + reply.body());
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<List<String>> run : runs) {
                assertEquals(List.of(), run.get());
            }
        }
    }

    private static List<StepStats> recordSteps(ServerUnderTest s) {
        List<StepStats> steps = new CopyOnWriteArrayList<>();
        s.llm.addStepListener(steps::add);
        return steps;
    }

    private static byte[] request(int maxTokens, boolean stream) {
        String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens
                + ", \"ignore_eos\": true, \"stream\": " + stream + "}";
        return ("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Socket send(ServerUnderTest s, boolean stream) throws Exception {
        Socket socket = new Socket(s.server.baseUri().getHost(), s.server.port());
        OutputStream out = socket.getOutputStream();
        out.write(request(MAX_TOKENS, stream));
        out.flush();
        return socket;
    }

    private static void readEvents(Socket socket, int count) throws Exception {
        readEvents(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)), count);
    }

    private static void readEvents(BufferedReader in, int count) throws Exception {
        int events = 0;
        while (events < count) {
            String line = in.readLine();
            if (line == null) {
                throw new AssertionError("the stream ended after " + events + " events");
            }
            if (line.startsWith("data: {")) {
                events++;
            }
        }
    }

    /** Reads events up to {@code data: [DONE]}; returns how many came before it. */
    private static int readStream(BufferedReader in) throws Exception {
        int events = 0;
        for (String line = in.readLine(); ; line = in.readLine()) {
            if (line == null) {
                throw new AssertionError("the connection ended after " + events + " events, before [DONE]");
            }
            if (line.equals("data: [DONE]")) {
                return events;
            }
            if (line.startsWith("data: {")) {
                events++;
            }
        }
    }

    /** A non-streamed request writes nothing until it ends: wait until the engine decodes it. */
    private static void awaitDecoding(ServerUnderTest s, List<StepStats> steps) throws Exception {
        long deadline = System.nanoTime() + 10 * SECONDS;
        while (steps.stream().filter(st -> !st.decodeRequests().isEmpty()).count() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(1, s.llm.engineSnapshot().get().running(), "the request is decoding");
    }

    private static void leave(Socket socket, Leave leave) throws Exception {
        if (leave == Leave.RESET) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }

    private static EngineSnapshot awaitNotRunning(ServerUnderTest s) throws Exception {
        long deadline = System.nanoTime() + 5 * SECONDS;
        EngineSnapshot snapshot = s.llm.engineSnapshot().get();
        while (snapshot.running() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
            snapshot = s.llm.engineSnapshot().get();
        }
        return snapshot;
    }

    private static void awaitNoLiveRequests(ServerUnderTest s) throws Exception {
        long deadline = System.nanoTime() + 5 * SECONDS;
        while (s.llm.liveRequestCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, s.llm.liveRequestCount());
    }
}
