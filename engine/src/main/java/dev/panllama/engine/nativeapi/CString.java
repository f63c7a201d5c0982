package dev.panllama.engine.nativeapi;

import java.lang.foreign.MemorySegment;

/** Reading the NUL-terminated strings llama.cpp returns as bare pointers (zero-length segments). */
public final class CString {
    private CString() {}

    /** The UTF-8 string at {@code pointer}, or null for NULL. */
    public static String read(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? null : pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
