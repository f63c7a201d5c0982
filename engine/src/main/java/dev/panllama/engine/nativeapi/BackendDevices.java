package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.engine.NativeCallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ggml's device registry: enumerate devices, add remote ggml RPC servers as devices, and serve this process's
 * devices to remote clients. RPC servers are registered once per endpoint for the life of the process, as ggml
 * keeps them in a process-wide registry that has no removal.
 */
public final class BackendDevices {
    private static final Map<String, List<BackendDevice>> RPC_SERVERS = new ConcurrentHashMap<>();
    /** RPC devices by name; their memory belongs to ggml's RPC backend for the life of the process. */
    private static final Map<String, MemorySegment> RPC_DEVICES = new ConcurrentHashMap<>();

    private BackendDevices() {}

    /** Every device in ggml's registry, in registry order: this process's own devices (RPC servers are kept apart). */
    public static List<BackendDevice> list() {
        NativeLibrary.load();
        List<BackendDevice> devices = new ArrayList<>();
        long count = LlamaCpp.ggml_backend_dev_count();
        for (long i = 0; i < count; i++) {
            devices.add(describe(LlamaCpp.ggml_backend_dev_get(i)));
        }
        return devices;
    }

    /** This process's devices that hold weights in their own memory (GPUs; iGPUs when there is no GPU). */
    public static List<BackendDevice> offloadDevices() {
        List<BackendDevice> gpus = list().stream().filter(d -> d.type().equals("gpu")).toList();
        return gpus.isEmpty() ? list().stream().filter(d -> d.type().equals("igpu")).toList() : gpus;
    }

    /** The device called {@code name}: an added RPC server's device, else one in ggml's registry. */
    static MemorySegment handle(String name, Arena arena) {
        MemorySegment rpc = RPC_DEVICES.get(name);
        if (rpc != null) {
            return rpc;
        }
        MemorySegment dev = LlamaCpp.ggml_backend_dev_by_name(arena.allocateFrom(name));
        if (dev.equals(MemorySegment.NULL)) {
            throw new NativeCallException("ggml has no device named '" + name + "'; devices: "
                    + list().stream().map(BackendDevice::name).toList() + " and RPC " + RPC_DEVICES.keySet());
        }
        return dev;
    }

    private static BackendDevice describe(MemorySegment dev) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment free = call.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = call.allocate(ValueLayout.JAVA_LONG);
            LlamaCpp.ggml_backend_dev_memory(dev, free, total);
            MemorySegment reg = LlamaCpp.ggml_backend_dev_backend_reg(dev);
            String backend = reg.equals(MemorySegment.NULL) ? "" : string(LlamaCpp.ggml_backend_reg_name(reg));
            return new BackendDevice(string(LlamaCpp.ggml_backend_dev_name(dev)),
                    string(LlamaCpp.ggml_backend_dev_description(dev)), typeName(LlamaCpp.ggml_backend_dev_type(dev)),
                    backend, free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    private static String typeName(int type) {
        if (type == LlamaCpp.GGML_BACKEND_DEVICE_TYPE_CPU()) {
            return "cpu";
        } else if (type == LlamaCpp.GGML_BACKEND_DEVICE_TYPE_GPU()) {
            return "gpu";
        } else if (type == LlamaCpp.GGML_BACKEND_DEVICE_TYPE_IGPU()) {
            return "igpu";
        } else if (type == LlamaCpp.GGML_BACKEND_DEVICE_TYPE_ACCEL()) {
            return "accel";
        }
        return type == LlamaCpp.GGML_BACKEND_DEVICE_TYPE_META() ? "meta" : "unknown(" + type + ")";
    }

    private static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /**
     * Connects the ggml RPC server at {@code endpoint} ("host:port") and returns its devices (ggml names them
     * RPC0, RPC1, ... in the order servers are added); a {@link DevicePlacement} can then name them. ggml aborts the process when it cannot connect, so the endpoint is
     * first checked from Java and an unreachable one fails here with a {@link NativeCallException}.
     */
    public static List<BackendDevice> addRpcServer(String endpoint) {
        NativeLibrary.load();
        synchronized (RPC_SERVERS) {
            List<BackendDevice> known = RPC_SERVERS.get(endpoint);
            if (known != null) {
                return known;
            }
            requireReachable(endpoint);
            try (Arena call = Arena.ofConfined()) {
                MemorySegment reg = LlamaCpp.ggml_backend_rpc_add_server(call.allocateFrom(endpoint));
                if (reg.equals(MemorySegment.NULL)) {
                    throw new NativeCallException("the ggml RPC server at " + endpoint + " offers no devices");
                }
                // not put in ggml's registry: llama.cpp would then place every model on these servers by default,
                // and ggml has no way to take them out again once a server is gone
                List<BackendDevice> devices = new ArrayList<>();
                long count = LlamaCpp.ggml_backend_reg_dev_count(reg);
                for (long i = 0; i < count; i++) {
                    MemorySegment dev = LlamaCpp.ggml_backend_reg_dev_get(reg, i);
                    BackendDevice device = describe(dev);
                    RPC_DEVICES.put(device.name(), dev);
                    devices.add(device);
                }
                RPC_SERVERS.put(endpoint, List.copyOf(devices));
                return RPC_SERVERS.get(endpoint);
            }
        }
    }

    private static void requireReachable(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw new NativeCallException("RPC endpoint '" + endpoint + "' is not host:port");
        }
        String host = endpoint.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(endpoint.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new NativeCallException("RPC endpoint '" + endpoint + "' has no numeric port");
        }
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(host, port), 5_000);
        } catch (IOException e) {
            throw new NativeCallException("the ggml RPC server at " + endpoint + " is unreachable: " + e.getMessage());
        }
    }

    /**
     * Serves this process's CPU device to ggml RPC clients on {@code endpoint}. Blocks the calling thread for the
     * life of the process: ggml offers no way to stop the server, so run it on a dedicated daemon thread.
     *
     * @param cacheDir where the server caches large tensors by hash (null = no cache)
     * @param threads  CPU threads for graph computation
     */
    public static void serveRpc(String endpoint, String cacheDir, int threads) {
        NativeLibrary.load();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment cpu = LlamaCpp.ggml_backend_dev_by_type(LlamaCpp.GGML_BACKEND_DEVICE_TYPE_CPU());
            if (cpu.equals(MemorySegment.NULL)) {
                throw new NativeCallException("ggml has no CPU device to serve");
            }
            MemorySegment devices = arena.allocate(ValueLayout.ADDRESS, 1);
            devices.setAtIndex(ValueLayout.ADDRESS, 0, cpu);
            MemorySegment dir = cacheDir == null ? MemorySegment.NULL : arena.allocateFrom(cacheDir);
            LlamaCpp.ggml_backend_rpc_start_server(arena.allocateFrom(endpoint), dir, threads, 1, devices);
        }
    }

    /** The ggml RPC protocol this build speaks; client and server must match. */
    public static String rpcProtocolVersion() {
        return LlamaCpp.RPC_PROTO_MAJOR_VERSION() + "." + LlamaCpp.RPC_PROTO_MINOR_VERSION() + "."
                + LlamaCpp.RPC_PROTO_PATCH_VERSION();
    }

    /** llama.cpp's one-line summary of the CPU features and backends compiled in. */
    public static String systemInfo() {
        NativeLibrary.load();
        return string(LlamaCpp.llama_print_system_info());
    }
}
