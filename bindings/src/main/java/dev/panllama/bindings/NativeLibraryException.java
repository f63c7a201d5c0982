package dev.panllama.bindings;

/** The llama.cpp shared libraries could not be found or loaded; the message names the file and the fix. */
public final class NativeLibraryException extends RuntimeException {
    public NativeLibraryException(String message) {
        super(message);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
