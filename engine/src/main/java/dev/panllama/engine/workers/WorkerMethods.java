package dev.panllama.engine.workers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The methods a worker answers by name: the built-ins, then every {@link WorkerMethod} on the classpath. */
public final class WorkerMethods {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerMethods.class);

    private final Map<String, WorkerMethod> methods = new LinkedHashMap<>();

    private WorkerMethods() {}

    /** Built-ins plus the providers {@link ServiceLoader} finds; a provider may not replace a built-in. */
    public static WorkerMethods discover() {
        WorkerMethods registry = new WorkerMethods();
        for (WorkerMethod builtin : BuiltinWorkerMethods.all()) {
            registry.methods.put(builtin.name(), builtin);
        }
        for (WorkerMethod method : ServiceLoader.load(WorkerMethod.class)) {
            WorkerMethod clash = registry.methods.putIfAbsent(method.name(), method);
            if (clash != null) {
                LOG.warn("worker method '{}' from {} ignored: the name is taken by {}", method.name(),
                        method.getClass().getName(), clash.getClass().getName());
            }
        }
        return registry;
    }

    public Set<String> names() {
        return methods.keySet();
    }

    /**
     * Runs {@code name} on {@code worker}.
     *
     * @throws UnknownWorkerMethodException when no method has that name
     * @throws Exception                    whatever the method throws
     */
    public Object invoke(String name, WorkerContext worker, List<Object> args, Map<String, Object> kwargs) throws Exception {
        WorkerMethod method = methods.get(name);
        if (method == null) {
            throw new UnknownWorkerMethodException(worker.rank(), name);
        }
        return method.invoke(worker, args == null ? List.of() : args, kwargs == null ? Map.of() : kwargs);
    }
}
