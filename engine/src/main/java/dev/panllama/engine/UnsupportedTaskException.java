package dev.panllama.engine;

import java.io.Serial;
import java.util.Set;

/** A request for a task the loaded model cannot do (generate on an embedding model, encode on a generative one, ...). */
public final class UnsupportedTaskException extends InvalidRequestException {
    @Serial
    private static final long serialVersionUID = 1L;
    private final String task;
    private final transient Set<String> supported;

    public UnsupportedTaskException(String task, Set<String> supported, String modelName) {
        super("task", task, "task '" + task + "' is not supported by this model (" + modelName + " supports "
                + (supported.isEmpty() ? "no task" : supported) + ")");
        this.task = task;
        this.supported = Set.copyOf(supported);
    }

    public String task() {
        return task;
    }

    public Set<String> supportedTasks() {
        return supported;
    }
}
