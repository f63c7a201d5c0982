package dev.panllama.engine.convert;

import dev.panllama.engine.PanllamaException;

/** A source model or tokenizer that the converter cannot turn into GGUF; the message names what is wrong in which file. */
public final class ConversionException extends PanllamaException {
    public ConversionException(String message) {
        super(message);
    }

    public ConversionException(String message, Throwable cause) {
        super(message, cause);
    }
}
