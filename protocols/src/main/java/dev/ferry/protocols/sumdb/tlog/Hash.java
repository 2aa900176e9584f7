package dev.ferry.protocols.sumdb.tlog;

import static dev.ferry.protocols.FormatException.quote;

import dev.ferry.protocols.FormatException;
import java.util.Arrays;
import java.util.Base64;

/** A SHA-256 hash in the log: a record hash, an interior node or a tree hash. Immutable; compared by value. */
public record Hash(byte[] bytes) {
    public static final int SIZE = 32;

    /** Requires exactly {@link #SIZE} bytes; keeps a copy. */
    public Hash {
        if (bytes == null || bytes.length != SIZE) {
            throw new FormatException("a hash is " + SIZE + " bytes, not " + (bytes == null ? 0 : bytes.length));
        }
        bytes = bytes.clone();
    }

    /** Parses the padded standard base64 of 32 bytes, written canonically (as tree notes carry it). */
    public static Hash parse(String base64) throws FormatException {
        byte[] b;
        try {
            b = base64 == null ? null : Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new FormatException("invalid hash " + quote(base64) + ": bad base64");
        }
        if (b == null
                || b.length != SIZE
                || !Base64.getEncoder().encodeToString(b).equals(base64)) {
            throw new FormatException("invalid hash " + quote(base64) + ": not the base64 of " + SIZE + " bytes");
        }
        return new Hash(b);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash h && Arrays.equals(h.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return base64();
    }
}
