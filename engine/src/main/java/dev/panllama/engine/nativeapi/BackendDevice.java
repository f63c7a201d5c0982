package dev.panllama.engine.nativeapi;

/**
 * One ggml backend device as this process sees it.
 *
 * @param name        ggml's device name: "CPU", "CUDA0", "RPC0", ...
 * @param description what the backend says the device is (for RPC devices: the server's endpoint)
 * @param type        cpu, gpu, igpu, accel or meta
 * @param backend     the registry it belongs to: "CPU", "CUDA", "RPC", ...
 * @param freeBytes   free memory the backend reports
 * @param totalBytes  total memory the backend reports
 */
public record BackendDevice(String name, String description, String type, String backend, long freeBytes, long totalBytes) {}
