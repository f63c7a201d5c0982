package dev.panllama.engine;

/** llama.cpp refused a call (returned NULL or an error code); the message carries its own last error line. */
public final class NativeCallException extends PanllamaException {
    public NativeCallException(String message) {
        super(message);
    }

    public NativeCallException(String message, Throwable cause) {
        super(message, cause);
    }
}
