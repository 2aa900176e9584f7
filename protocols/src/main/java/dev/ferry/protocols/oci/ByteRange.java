package dev.ferry.protocols.oci;

/**
 * One byte range of a blob, resolved against its size. {@link #parseRange} reads an HTTP {@code Range} header
 * (RFC 9110 14.1.2) in the single-range forms {@code bytes=a-b}, {@code bytes=a-} and {@code bytes=-n};
 * multiple ranges, other units and malformed values throw OciFormatException(RANGE_INVALID), as do ranges that
 * start at or past the end (unsatisfiable: the server answers 416 with {@code Content-Range: bytes *}/size).
 * An end past the last byte is clipped, as RFC 9110 says. {@link #parseContentRange} reads the
 * {@code Content-Range} of an upload PATCH ({@code a-b}, as distribution's clients send it, or
 * {@code bytes a-b/*}).
 */
public record ByteRange(long offset, long length) {
    /** STUB. */
    public static ByteRange parseRange(String header, long size) {
        throw new UnsupportedOperationException("stub");
    }

    /** The inclusive start and end of an upload chunk. STUB. */
    public static ByteRange parseContentRange(String header) {
        throw new UnsupportedOperationException("stub");
    }

    public long last() {
        return offset + length - 1;
    }

    /** {@code bytes a-b/size}, for a 206 response. */
    public String contentRange(long size) {
        return "bytes " + offset + "-" + last() + "/" + size;
    }
}
