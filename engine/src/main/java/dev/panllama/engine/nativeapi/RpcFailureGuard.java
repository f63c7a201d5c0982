package dev.panllama.engine.nativeapi;

import dev.panllama.bindings.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a lost ggml RPC server from killing this process. ggml's RPC client calls {@code GGML_ABORT} when a server
 * stops answering mid-computation, which ends the JVM. ggml lets a process install one abort callback, called just
 * before {@code abort()}; this one recognises aborts raised by the RPC client, tells the listeners (the executors
 * of remote workers, which then fail their engine) and parks the aborting thread for good, so {@code abort()} is
 * never reached. That thread and the engine thread waiting on it stay blocked; the engine is reported dead. Any
 * other abort proceeds as before.
 *
 * <p>{@code ggml_set_abort_callback} is not among the generated bindings, so it is bound here by hand.
 */
public final class RpcFailureGuard {
    private static final Logger LOG = LoggerFactory.getLogger(RpcFailureGuard.class);
    private static final List<Consumer<String>> LISTENERS = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private RpcFailureGuard() {}

    /** Installs the abort callback once per process. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        NativeLibrary.load();
        Linker linker = Linker.nativeLinker();
        MemorySegment setter = SymbolLookup.loaderLookup().find("ggml_set_abort_callback")
                .orElseThrow(() -> new IllegalStateException("libggml-base has no ggml_set_abort_callback"));
        MethodHandle set = linker.downcallHandle(setter, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try {
            MethodHandle onAbort = MethodHandles.lookup().findStatic(RpcFailureGuard.class, "onAbort",
                    MethodType.methodType(void.class, MemorySegment.class));
            // the callback lives as long as the process: ggml keeps the pointer globally
            MemorySegment stub = linker.upcallStub(onAbort, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS), Arena.global());
            MemorySegment previous = (MemorySegment) set.invokeExact(stub);
            if (!previous.equals(MemorySegment.NULL)) {
                LOG.warn("replaced an abort callback that was already installed");
            }
        } catch (Throwable e) {
            throw new IllegalStateException("cannot install the ggml abort callback", e);
        }
        installed = true;
    }

    /** {@code listener} receives ggml's message when an RPC connection fails. */
    public static void addListener(Consumer<String> listener) {
        LISTENERS.add(listener);
    }

    public static void removeListener(Consumer<String> listener) {
        LISTENERS.remove(listener);
    }

    /** Runs on the aborting native thread; it must never throw back into native code. */
    private static void onAbort(MemorySegment message) {
        String text;
        try {
            text = message.reinterpret(2048).getString(0);
        } catch (Throwable e) {
            return;
        }
        if (!text.contains("ggml-rpc")) {
            return; // not ours: let ggml abort as it always has
        }
        try {
            LOG.error("ggml RPC connection failed ({}); this thread stays parked so the process survives", text);
            for (Consumer<String> listener : LISTENERS) {
                listener.accept(text);
            }
        } catch (Throwable e) {
            // nothing may escape an upcall
        }
        while (true) {
            LockSupport.park(RpcFailureGuard.class);
        }
    }
}
