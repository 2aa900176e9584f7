package dev.ferry.protocols.oci;

import static dev.ferry.protocols.FormatException.quote;

/**
 * One byte range of a blob, resolved against its size. {@link #parseRange} reads an HTTP {@code Range} header
 * (RFC 9110 14.1.2) in the single-range forms {@code bytes=a-b}, {@code bytes=a-} and {@code bytes=-n};
 * multiple ranges, other units and malformed values throw OciFormatException(RANGE_INVALID), as do ranges that
 * start at or past the end (unsatisfiable: the server answers 416 with {@code Content-Range: bytes *}/size).
 * An end past the last byte is clipped, as RFC 9110 says. {@link #parseContentRange} reads the
 * {@code Content-Range} of an upload PATCH ({@code a-b}, as distribution's clients send it, or
 * {@code bytes a-b/*} or {@code bytes a-b/total}).
 *
 * @param offset first byte, &gt;= 0
 * @param length number of bytes, &gt;= 1
 */
public record ByteRange(long offset, long length) {
    /** A range is never empty and never runs past Long.MAX_VALUE, so {@link #last} cannot overflow. */
    public ByteRange {
        if (offset < 0 || length < 1 || offset > Long.MAX_VALUE - length + 1) {
            throw new IllegalArgumentException("no byte range at " + offset + " of length " + length);
        }
    }

    /**
     * The range a {@code Range} header selects from a blob of {@code size} bytes. The unit {@code bytes} is
     * matched case-insensitively, surrounding spaces and tabs are ignored, positions are decimal digits only:
     * <ul>
     *   <li>{@code bytes=a-b}: b &gt;= a, else malformed; b past the end is clipped to the last byte;</li>
     *   <li>{@code bytes=a-}: from a to the end;</li>
     *   <li>{@code bytes=-n}: the last n bytes (all of them when n &gt;= size); n = 0 selects nothing.</li>
     * </ul>
     * A range starting at or past the end, {@code -0}, and any range of an empty blob are unsatisfiable.
     * All failures are RANGE_INVALID; the message says whether the header is malformed or unsatisfiable.
     */
    public static ByteRange parseRange(String header, long size) {
        if (header == null) {
            throw new OciFormatException(OciErrorCode.RANGE_INVALID, "Range header is missing");
        }
        String h = ows(header);
        int eq = h.indexOf('=');
        if (eq < 0 || !ows(h.substring(0, eq)).equalsIgnoreCase("bytes")) {
            throw malformed(header, "only the unit bytes is supported, as in bytes=0-1023");
        }
        String spec = ows(h.substring(eq + 1));
        if (spec.indexOf(',') >= 0) {
            throw malformed(header, "multiple ranges are not supported");
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            throw malformed(header, "expected first-last, first- or -suffix");
        }
        String first = spec.substring(0, dash);
        String last = spec.substring(dash + 1);
        if (first.isEmpty()) {
            long n = saturatingDigits(last);
            if (n < 0) {
                throw malformed(header, "the suffix length must be decimal digits");
            }
            if (n == 0 || size <= 0) {
                throw unsatisfiable(header, size);
            }
            long length = Math.min(n, size);
            return new ByteRange(size - length, length);
        }
        long a = saturatingDigits(first);
        if (a < 0) {
            throw malformed(header, "the first position must be decimal digits");
        }
        long b;
        if (last.isEmpty()) {
            b = Long.MAX_VALUE;
        } else {
            b = saturatingDigits(last);
            if (b < 0) {
                throw malformed(header, "the last position must be decimal digits");
            }
            if (b < a) {
                throw malformed(header, "the last position is before the first");
            }
        }
        if (a >= size) {
            throw unsatisfiable(header, size);
        }
        long end = Math.min(b, size - 1);
        return new ByteRange(a, end - a + 1);
    }

    /**
     * The inclusive start and end of an upload chunk: {@code a-b}, {@code bytes a-b/*} or {@code bytes a-b/total}
     * with decimal a &lt;= b (and b &lt; total); surrounding spaces and tabs are ignored. Anything else, including
     * numbers that do not fit a long, is RANGE_INVALID.
     */
    public static ByteRange parseContentRange(String header) {
        if (header == null) {
            throw new OciFormatException(OciErrorCode.RANGE_INVALID, "Content-Range header is missing");
        }
        String h = ows(header);
        String total = null;
        if (h.regionMatches(true, 0, "bytes ", 0, 6)) {
            int slash = h.indexOf('/');
            if (slash < 0) {
                throw contentRangeInvalid(header, "\"bytes first-last\" needs \"/*\" or \"/total\"");
            }
            total = h.substring(slash + 1);
            h = ows(h.substring(6, slash));
        }
        int dash = h.indexOf('-');
        long a = dash < 0 ? -1 : exactDigits(h.substring(0, dash));
        long b = dash < 0 ? -1 : exactDigits(h.substring(dash + 1));
        if (a < 0 || b < 0) {
            throw contentRangeInvalid(header, "expected first-last in decimal digits, as in 0-1023");
        }
        if (b < a) {
            throw contentRangeInvalid(header, "the last position is before the first");
        }
        if (total != null && !total.equals("*")) {
            long t = exactDigits(total);
            if (t < 0) {
                throw contentRangeInvalid(header, "the total length must be decimal digits or *");
            }
            if (b >= t) {
                throw contentRangeInvalid(header, "the last position is not inside the total length");
            }
        }
        if (a == 0 && b == Long.MAX_VALUE) {
            throw contentRangeInvalid(header, "the range is longer than a long can count");
        }
        return new ByteRange(a, b - a + 1);
    }

    public long last() {
        return offset + length - 1;
    }

    /** {@code bytes a-b/size}, for a 206 response. */
    public String contentRange(long size) {
        return "bytes " + offset + "-" + last() + "/" + size;
    }

    private static OciFormatException malformed(String header, String reason) {
        return new OciFormatException(OciErrorCode.RANGE_INVALID, "malformed Range " + quote(header) + ": " + reason);
    }

    private static OciFormatException unsatisfiable(String header, long size) {
        return new OciFormatException(
                OciErrorCode.RANGE_INVALID,
                "Range " + quote(header) + " is not satisfiable: the blob has " + size + " bytes");
    }

    private static OciFormatException contentRangeInvalid(String header, String reason) {
        return new OciFormatException(
                OciErrorCode.RANGE_INVALID, "invalid Content-Range " + quote(header) + ": " + reason);
    }

    /** {@code s} without surrounding optional whitespace (RFC 9110 OWS: spaces and tabs, nothing else). */
    private static String ows(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    /** Decimal digits as a long, Long.MAX_VALUE when larger (a position past any blob), -1 when not digits. */
    private static long saturatingDigits(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v > (Long.MAX_VALUE - (c - '0')) / 10 ? Long.MAX_VALUE : v * 10 + (c - '0');
        }
        return v;
    }

    /** Decimal digits as a long; -1 when not digits or too large (an upload offset must be exact). */
    private static long exactDigits(String s) {
        if (s.isEmpty() || s.length() > 19) {
            return -1;
        }
        long v = saturatingDigits(s);
        return v == Long.MAX_VALUE && !s.equals(Long.toString(Long.MAX_VALUE)) ? -1 : v;
    }
}
