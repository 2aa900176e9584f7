package dev.ferry.storage;

import java.io.IOException;

/** The bytes written do not hash to the digest the caller said they must have. */
public final class DigestMismatchException extends IOException {
    private final Sha256 expected;
    private final Sha256 actual;

    public DigestMismatchException(Sha256 expected, Sha256 actual) {
        super("content digest mismatch: expected " + expected + ", got " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public Sha256 expected() {
        return expected;
    }

    public Sha256 actual() {
        return actual;
    }
}
