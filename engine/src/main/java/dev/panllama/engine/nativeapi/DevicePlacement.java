package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLibrary;
import dev.panllama.bindings.internal.LlamaCpp;
import dev.panllama.bindings.internal.llama_model_params;
import dev.panllama.engine.InvalidRequestException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Which devices hold a model's weights and how they are split among them.
 *
 * @param devices     ggml device names in order (e.g. RPC0, RPC1); empty = llama.cpp's choice among this process's devices
 * @param splitMode   how the weights are divided
 * @param proportions share of the model per device (empty = by free memory for layers, even for tensors)
 */
public record DevicePlacement(List<String> devices, SplitMode splitMode, List<Float> proportions) {

    /** llama.cpp's split modes that panllama offers (ROW is deprecated upstream and missing on CPU, CUDA, Metal). */
    public enum SplitMode {
        /** Whole model on the first device. */
        NONE,
        /** Contiguous layers and their KV per device: pipeline parallelism; works across hosts over RPC. */
        LAYER,
        /** Every weight and the KV split across devices (llama.cpp's experimental meta device; needs flash attention). */
        TENSOR
    }

    public DevicePlacement {
        devices = devices == null ? List.of() : List.copyOf(devices);
        splitMode = splitMode == null ? SplitMode.LAYER : splitMode;
        proportions = proportions == null ? List.of() : List.copyOf(proportions);
        if (!proportions.isEmpty() && proportions.size() != devices.size()) {
            throw new InvalidRequestException("tensor_split", proportions, "tensor_split has " + proportions.size()
                    + " entries for " + devices.size() + " devices");
        }
        // the first native call of a process may come from here (Model.load builds its placement before loading):
        // the libraries must be loaded before the bindings class resolves its symbols, or it never initializes
        NativeLibrary.load();
        if (devices.size() > LlamaCpp.llama_max_devices()) {
            throw new InvalidRequestException("devices", devices.size(), "llama.cpp splits over at most "
                    + LlamaCpp.llama_max_devices() + " devices, got " + devices.size());
        }
    }

    public static DevicePlacement automatic() {
        return new DevicePlacement(List.of(), SplitMode.LAYER, List.of());
    }

    /** Writes the placement into {@code llama_model_params}; the arrays live in {@code call}, which spans the load (llama.cpp copies them). */
    void apply(MemorySegment params, Arena call) {
        llama_model_params.split_mode(params, switch (splitMode) {
            case NONE -> LlamaCpp.LLAMA_SPLIT_MODE_NONE();
            case LAYER -> LlamaCpp.LLAMA_SPLIT_MODE_LAYER();
            case TENSOR -> LlamaCpp.LLAMA_SPLIT_MODE_TENSOR();
        });
        if (devices.isEmpty()) {
            return; // llama.cpp's own choice among this process's devices
        }
        MemorySegment list = call.allocate(ValueLayout.ADDRESS, devices.size() + 1L);
        for (int i = 0; i < devices.size(); i++) {
            list.setAtIndex(ValueLayout.ADDRESS, i, BackendDevices.handle(devices.get(i), call));
        }
        list.setAtIndex(ValueLayout.ADDRESS, devices.size(), MemorySegment.NULL);
        llama_model_params.devices(params, list);
        if (!proportions.isEmpty()) {
            MemorySegment split = call.allocate(ValueLayout.JAVA_FLOAT, LlamaCpp.llama_max_devices());
            for (int i = 0; i < proportions.size(); i++) {
                split.setAtIndex(ValueLayout.JAVA_FLOAT, i, proportions.get(i));
            }
            llama_model_params.tensor_split(params, split);
        }
    }
}
