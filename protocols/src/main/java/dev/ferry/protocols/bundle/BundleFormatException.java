package dev.ferry.protocols.bundle;

import dev.ferry.protocols.FormatException;

/** A bundle file (note, manifest, volume, inventory) that breaks its format's rules; the message says where. */
public class BundleFormatException extends FormatException {
    public BundleFormatException(String message) {
        super(message);
    }

    public BundleFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
