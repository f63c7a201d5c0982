package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panllama.engine.core.StepStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A client that leaves mid-stream aborts its request: the engine stops decoding it within milliseconds (the
 * server learns of the reset on its next write, then the abort lands before the following step), long before
 * max_tokens.
 */
class ServeDisconnectIT {
    static final int MAX_TOKENS = 1500;

    @Test
    void disconnectMidStreamAbortsTheRequest() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start()) {
            AtomicLong lastStep = new AtomicLong(-1);
            AtomicLong lastDecodeStep = new AtomicLong(-1);
            AtomicLong lastDecodeEnd = new AtomicLong();
            AtomicInteger decodeSteps = new AtomicInteger();
            s.llm.addStepListener((StepStats step) -> {
                lastStep.set(step.step());
                if (!step.decodeRequests().isEmpty()) {
                    lastDecodeStep.set(step.step());
                    lastDecodeEnd.set(step.startNanos() + step.nanos());
                    decodeSteps.incrementAndGet();
                }
            });
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + MAX_TOKENS
                    + ", \"ignore_eos\": true, \"stream\": true}";
            long stepAtClose;
            long closedAt;
            try (Socket socket = new Socket(s.server.baseUri().getHost(), s.server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                int events = 0;
                while (events < 3) {
                    String line = in.readLine();
                    if (line != null && line.startsWith("data: {")) {
                        events++;
                    }
                }
                assertEquals(1, s.llm.engineSnapshot().get().running(), "the request is running when the client leaves");
                socket.setSoLinger(true, 0); // leave with a reset, as a killed client does
                stepAtClose = lastStep.get();
                closedAt = System.nanoTime();
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (s.llm.engineSnapshot().get().running() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, s.llm.engineSnapshot().get().running());
            long stepsAfterClose = lastDecodeStep.get() - stepAtClose;
            System.out.printf("disconnect: decoded %d steps in all, %d after the client left%n", decodeSteps.get(), stepsAfterClose);
            // steps of stories260K take a fraction of a millisecond, so count time: the server learns of the reset on
            // its next write and the abort reaches the engine before its next step
            long decodingAfterCloseMs = Math.max(0, lastDecodeEnd.get() - closedAt) / 1_000_000;
            assertTrue(decodingAfterCloseMs < 250, "decoded for " + decodingAfterCloseMs + " ms (" + stepsAfterClose
                    + " steps) after the client left");
            assertTrue(decodeSteps.get() < MAX_TOKENS / 2, "aborted early, not run to max_tokens");
            long liveDeadline = System.nanoTime() + 5_000_000_000L;
            while (s.llm.liveRequestCount() > 0 && System.nanoTime() < liveDeadline) {
                Thread.sleep(5);
            }
            assertEquals(0, s.llm.liveRequestCount());
            assertEquals(200, s.get("/health").status());
        }
    }
}
