package dev.ferry.protocols.oci;

/**
 * The distribution spec's error body: {@code {"errors":[{"code":"...","message":"...","detail":...}]}}.
 * The message is the one a user sees in skopeo or docker, so it names the problem plainly.
 */
public final class ErrorBody {
    private ErrorBody() {}

    /** UTF-8 JSON bytes; {@code detail} may be null (then omitted). STUB. */
    public static byte[] json(OciErrorCode code, String message, String detail) {
        throw new UnsupportedOperationException("stub");
    }
}
