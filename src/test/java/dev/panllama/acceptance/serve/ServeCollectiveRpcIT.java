package dev.panllama.acceptance.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.panllama.cli.serve.ServerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code POST /collective_rpc} (admin): a worker method on every worker of the engine, results in rank order. */
class ServeCollectiveRpcIT {
    @Test
    void callsAWorkerMethodOnEveryWorkerAndRefusesUnknownOnes() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL).withAdminEndpoints(true))) {
            ServerUnderTest.Reply ping = s.post("/collective_rpc", ServerUnderTest.json(Map.of("method", "ping", "timeout", 10)));
            assertEquals(200, ping.status(), ping.body());
            JsonNode results = s.llmJson(ping.body()).get("results");
            assertTrue(results.isArray() && results.size() >= 1, ping.body());

            ServerUnderTest.Reply info = s.post("/collective_rpc", ServerUnderTest.json(Map.of("method", "device_info")));
            assertEquals(200, info.status(), info.body());
            assertEquals(results.size(), s.llmJson(info.body()).get("results").size(), "one result per worker");

            ServerUnderTest.Reply unknown = s.post("/collective_rpc", ServerUnderTest.json(Map.of("method", "no_such_method")));
            assertEquals(400, unknown.status(), unknown.body());
            assertEquals("method", s.llmJson(unknown.body()).get("error").get("param").asText());

            ServerUnderTest.Reply missing = s.post("/collective_rpc", "{}");
            assertEquals(400, missing.status(), missing.body());
            ServerUnderTest.Reply badArgs = s.post("/collective_rpc", ServerUnderTest.json(Map.of("method", "ping", "args", "x")));
            assertEquals(400, badArgs.status(), badArgs.body());
        }
    }

    @Test
    void isNotServedWithoutTheAdminFlag() throws Exception {
        try (ServerUnderTest s = ServerUnderTest.start(ServerConfig.loopback(ServerUnderTest.MODEL))) {
            assertEquals(404, s.post("/collective_rpc", ServerUnderTest.json(Map.of("method", "ping"))).status());
        }
    }
}
