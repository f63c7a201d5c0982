package dev.panllama.cli.serve;

import dev.panllama.engine.PauseMode;
import dev.panllama.engine.SleepTag;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The engine's control plane (admin), with vLLM's routes and shapes: {@code POST /pause?mode=abort|wait|keep
 * &clear_cache=…}, {@code POST /resume}, {@code GET /is_paused}, {@code POST /sleep?level=N&mode=abort|wait|keep},
 * {@code POST /wake_up?tags=…} (repeatable or a comma list; none wakes everything), {@code GET /is_sleeping}.
 * Each answers once the engine has done what was asked: a wait-mode pause returns when nothing runs any more.
 */
final class ControlAdminEndpoints implements ApiEndpoints {
    private final ServedModel model;

    ControlAdminEndpoints(ServedModel model) {
        this.model = model;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/pause", this::pause)
                .post("/resume", this::resume)
                .get("/is_paused", this::isPaused)
                .post("/sleep", this::sleep)
                .post("/wake_up", this::wakeUp)
                .get("/is_sleeping", this::isSleeping);
    }

    private void pause(Exchange exchange) throws Exception {
        String mode = exchange.query("mode");
        PauseMode pauseMode = mode != null ? PauseMode.fromWireName(mode)
                // vLLM's older form, still accepted: wait_for_inflight_requests=true meant wait, else abort
                : PauseMode.fromWaitForInflightRequests(exchange.queryFlag("wait_for_inflight_requests", false));
        EngineCalls.await(model.llm().pauseGeneration(pauseMode, exchange.queryFlag("clear_cache", true)));
        exchange.sendEmpty(200);
    }

    private void resume(Exchange exchange) throws Exception {
        EngineCalls.await(model.llm().resumeGeneration());
        exchange.sendEmpty(200);
    }

    private void isPaused(Exchange exchange) throws Exception {
        exchange.sendJson(200, Map.of("is_paused", EngineCalls.await(model.llm().isPaused())));
    }

    /**
     * {@code mode} says what happens to requests in flight, as vLLM's sleep: {@code abort} (the default) ends them,
     * {@code wait} lets the running ones finish first, {@code keep} freezes them until wake-up. The engine's sleep
     * itself freezes, so abort and wait pause first and lift that pause once asleep: sleep alone then holds the
     * scheduler until wake-up.
     */
    private void sleep(Exchange exchange) throws Exception {
        Integer level = exchange.queryInteger("level");
        String mode = exchange.query("mode");
        PauseMode pauseMode = mode == null ? PauseMode.ABORT : PauseMode.fromWireName(mode);
        if (pauseMode != PauseMode.KEEP) {
            EngineCalls.await(model.llm().pauseGeneration(pauseMode, false));
        }
        try {
            EngineCalls.await(model.llm().sleep(level == null ? 1 : level));
        } finally {
            if (pauseMode != PauseMode.KEEP) {
                EngineCalls.await(model.llm().resumeGeneration());
            }
        }
        exchange.sendEmpty(200);
    }

    private void wakeUp(Exchange exchange) throws Exception {
        Set<SleepTag> tags = EnumSet.noneOf(SleepTag.class); // a tag named twice is asked once
        for (String value : exchange.queryValues("tags")) {
            for (String tag : value.split(",")) {
                if (!tag.isBlank()) {
                    tags.add(SleepTag.fromWireName(tag.trim()));
                }
            }
        }
        EngineCalls.await(model.llm().wakeUp(tags.toArray(SleepTag[]::new)));
        exchange.sendEmpty(200);
    }

    private void isSleeping(Exchange exchange) throws Exception {
        exchange.sendJson(200, Map.of("is_sleeping", EngineCalls.await(model.llm().isSleeping())));
    }
}
