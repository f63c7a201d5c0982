package dev.panllama.engine.workers;

import dev.panllama.bindings.LlamaPin;
import dev.panllama.bindings.NativeLog;
import dev.panllama.engine.nativeapi.BackendDevice;
import dev.panllama.engine.nativeapi.BackendDevices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The methods every worker answers: ping, device_info, backend_info, cache_stats, set_log_level. */
final class BuiltinWorkerMethods {
    private BuiltinWorkerMethods() {}

    static List<WorkerMethod> all() {
        return List.of(
                method("ping", (worker, args, kwargs) -> "pong"),
                method("device_info", (worker, args, kwargs) -> deviceInfo(worker)),
                method("backend_info", (worker, args, kwargs) -> backendInfo(worker)),
                method("cache_stats", (worker, args, kwargs) -> cacheStats(worker.rpcCacheDir())),
                method("set_log_level", (worker, args, kwargs) -> setLogLevel(args, kwargs)));
    }

    private interface Body {
        Object invoke(WorkerContext worker, List<Object> args, Map<String, Object> kwargs) throws Exception;
    }

    private static WorkerMethod method(String name, Body body) {
        return new WorkerMethod() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object invoke(WorkerContext worker, List<Object> args, Map<String, Object> kwargs) throws Exception {
                return body.invoke(worker, args, kwargs);
            }
        };
    }

    /** The device this worker computes on: name, description, type and memory as ggml reports them now. */
    static Map<String, Object> deviceInfo(WorkerContext worker) {
        BackendDevice device = BackendDevices.list().stream().filter(d -> d.name().equals(worker.deviceName())).findFirst()
                .orElseThrow(() -> new IllegalStateException("device " + worker.deviceName() + " is not registered"));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("rank", worker.rank());
        info.put("name", device.name());
        info.put("description", device.description());
        info.put("type", device.type());
        info.put("backend", device.backend());
        info.put("free_bytes", device.freeBytes());
        info.put("total_bytes", device.totalBytes());
        if (worker.rpcEndpoint() != null) {
            info.put("rpc_endpoint", worker.rpcEndpoint());
        }
        return info;
    }

    private static Map<String, Object> backendInfo(WorkerContext worker) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("llama_cpp_version", LlamaPin.current().version());
        info.put("rpc_protocol", BackendDevices.rpcProtocolVersion());
        info.put("devices", BackendDevices.list().stream().map(d -> d.name() + " (" + d.backend() + ")").toList());
        info.put("system_info", BackendDevices.systemInfo());
        info.put("pid", ProcessHandle.current().pid());
        info.put("java_version", Runtime.version().toString());
        info.put("rpc_endpoint", worker.rpcEndpoint());
        return info;
    }

    /** The RPC server's tensor cache on disk: ggml stores each large tensor it was sent once, by content hash. */
    static Map<String, Object> cacheStats(Path dir) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("enabled", dir != null);
        long files = 0;
        long bytes = 0;
        if (dir != null && Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.filter(Files::isRegularFile).toList()) {
                    files++;
                    bytes += Files.size(entry);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the RPC cache " + dir, e);
            }
        }
        stats.put("dir", dir == null ? null : dir.toString());
        stats.put("entries", files);
        stats.put("bytes", bytes);
        return stats;
    }

    private static Map<String, Object> setLogLevel(List<Object> args, Map<String, Object> kwargs) {
        Object level = kwargs.containsKey("level") ? kwargs.get("level") : args.isEmpty() ? null : args.getFirst();
        if (level == null) {
            throw new IllegalArgumentException("set_log_level needs a level (debug, info, warn, error) as args[0] or kwargs.level");
        }
        String previous = NativeLog.setLevel(level.toString());
        return Map.of("previous", previous, "level", NativeLog.level());
    }
}
