package dev.ferry.protocols.oci;

import dev.ferry.protocols.FormatException;

/** Input that breaks an OCI format rule; {@link #code()} is the spec error code to answer it with. */
public class OciFormatException extends FormatException {
    private final OciErrorCode code;

    public OciFormatException(OciErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public OciErrorCode code() {
        return code;
    }
}
