package dev.ferry.protocols.modzip;

import dev.ferry.protocols.FormatException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A forward-only reader over the zip with a window the inflater can be fed from and handed back to, so that a
 * deflate stream of unknown length can be consumed exactly up to its end. Counts every byte and refuses to read
 * past a limit, so a hostile stream costs at most that much.
 */
final class ByteSource {
    private final InputStream in;
    private final long limit;
    final byte[] buf = new byte[64 * 1024];
    int pos;
    int lim;
    /** Absolute offset of buf[0]. */
    private long base;

    private boolean eof;

    ByteSource(InputStream in, long limit) {
        this.in = in;
        this.limit = limit;
    }

    /** Absolute offset of the next unread byte. */
    long offset() {
        return base + pos;
    }

    int buffered() {
        return lim - pos;
    }

    /** Tries to have at least {@code n} (≤ buffer size) bytes buffered; returns how many are. */
    int ensure(int n) throws IOException {
        if (lim - pos >= n) {
            return lim - pos;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            base += pos;
            lim -= pos;
            pos = 0;
        }
        while (lim < n && !eof) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
                break;
            }
            lim += r;
            if (base + lim > limit) {
                throw new FormatException("module zip file is too large (limit is " + limit + " bytes)");
            }
        }
        return lim - pos;
    }

    /** Buffers at least one byte if the stream has any; returns the count buffered (0 only at end of stream). */
    int fill() throws IOException {
        return ensure(1);
    }

    /** Whether the stream is exhausted (no buffered bytes and nothing more to read). */
    boolean atEnd() throws IOException {
        return ensure(1) == 0;
    }

    /** Reads exactly {@code n} (≤ buffer size) bytes into the window, returning their start; throws if truncated. */
    int require(int n, String what) throws IOException {
        if (ensure(n) < n) {
            throw new FormatException("zip file truncated in " + what + " at offset " + offset());
        }
        int start = pos;
        pos += n;
        return start;
    }

    int u16(int at) {
        return (buf[at] & 0xff) | (buf[at + 1] & 0xff) << 8;
    }

    long u32(int at) {
        return (u16(at) | (long) u16(at + 2) << 16) & 0xffffffffL;
    }

    /** Reads a variable-length field (name, extra, comment; at most 65535 bytes) into a new array. */
    byte[] bytes(int n, String what) throws IOException {
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            if (fill() == 0) {
                throw new FormatException("zip file truncated in " + what + " at offset " + offset());
            }
            int k = Math.min(n - done, lim - pos);
            System.arraycopy(buf, pos, out, done, k);
            pos += k;
            done += k;
        }
        return out;
    }

    /** Skips {@code n} bytes; throws if the stream ends first. */
    void skip(long n, String what) throws IOException {
        while (n > 0) {
            if (fill() == 0) {
                throw new FormatException("zip file truncated in " + what + " at offset " + offset());
            }
            int k = (int) Math.min(n, lim - pos);
            pos += k;
            n -= k;
        }
    }
}
