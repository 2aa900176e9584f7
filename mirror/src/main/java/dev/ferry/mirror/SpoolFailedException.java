package dev.ferry.mirror;

import java.io.IOException;

/** The download a {@link Spool} follows failed (bad content, broken transfer, failed commit). */
public final class SpoolFailedException extends IOException {
    public SpoolFailedException(String message) {
        super(message);
    }
}
