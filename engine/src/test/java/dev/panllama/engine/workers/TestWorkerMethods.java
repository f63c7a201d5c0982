package dev.panllama.engine.workers;

import java.util.List;
import java.util.Map;

/** Worker methods that tests register through ServiceLoader: one that sleeps, one that fails. */
public final class TestWorkerMethods {
    private TestWorkerMethods() {}

    /** {@code sleep(millis)}: sleeps, then answers the worker's rank. */
    public static final class Sleep implements WorkerMethod {
        @Override
        public String name() {
            return "test_sleep";
        }

        @Override
        public Object invoke(WorkerContext worker, List<Object> args, Map<String, Object> kwargs) throws Exception {
            Thread.sleep(((Number) args.getFirst()).longValue());
            return worker.rank();
        }
    }

    /** {@code fail(message)}: throws with that message. */
    public static final class Fail implements WorkerMethod {
        @Override
        public String name() {
            return "test_fail";
        }

        @Override
        public Object invoke(WorkerContext worker, List<Object> args, Map<String, Object> kwargs) {
            throw new IllegalStateException(args.getFirst() + " on rank " + worker.rank());
        }
    }
}
