package dev.ferry.server.http;

import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.OciFormatException;

/**
 * A registry request refused by a check of what it says beyond its path (query parameters, headers, declared
 * sizes), before any target is asked; {@link OciHandler} answers it with the spec's error. Checked, so that only
 * the checks a resource handler runs first can raise it: a format error from a target is not one of these.
 */
final class RefusedRequest extends Exception {
    private final OciErrorCode code;

    RefusedRequest(OciErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    OciErrorCode code() {
        return code;
    }

    /** A check that may throw {@link OciFormatException} (the protocols' parsers) or RefusedRequest. */
    interface Check<T> {
        T run() throws RefusedRequest;
    }

    /** Runs {@code check}, turning a format error into a refusal with the same code and message. */
    static <T> T check(Check<T> check) throws RefusedRequest {
        try {
            return check.run();
        } catch (OciFormatException e) {
            throw new RefusedRequest(e.code(), e.getMessage());
        }
    }
}
