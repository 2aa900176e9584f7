package dev.ferry.protocols.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.Deflater;

/** Writes one volume ({@link Volume}) to a stream; the caller opens and closes the stream. Not thread-safe. */
public final class VolumeWriter {
    private final OutputStream out;
    private final MessageDigest sha;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    private long position;
    private long records;
    private boolean finished;

    /** What a finished volume is: size and whole-file sha256 (lowercase hex), for the manifest. */
    public record Summary(long size, String sha256, long records) {}

    public VolumeWriter(OutputStream out, String id, int n, int total) throws IOException {
        this.out = out;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        put(Volume.header(id, n, total));
    }

    /** Bytes written so far. */
    public long position() {
        return position;
    }

    /**
     * Appends one record holding {@code bytes[off, off+len)}, deflated when that saves at least 1/8.
     * @return the record's offset in the volume, for the manifest
     */
    public long append(byte[] bytes, int off, int len) throws IOException {
        return append(encode(bytes, off, len, deflater));
    }

    /**
     * A record ready to be appended: its header and body ({@code body[0, bodyLength)}, deflated or not: see {@link
     * #encode}; a body stored as it is may be the array given to encode).
     */
    public record Encoded(byte[] header, byte[] body, int bodyLength, int rawLength) {
        /** Whether the body is the record's bytes as given (not deflated). */
        public boolean stored() {
            return bodyLength == rawLength && header[0] == 0;
        }
    }

    /**
     * Where a large record's deflate first checks that it pays. Deflating random bytes costs about twenty times
     * hashing them: a 64 KiB sample was still the largest CPU cost of exporting image layers (a third of it,
     * 2026-12-07 profile), and 16 KiB tells compressed data as surely.
     */
    static final int SAMPLE = 16 << 10;

    /**
     * Encodes one record holding {@code bytes[off, off+len)}, deflated when that saves at least 1/8; thread-safe
     * with one deflater per thread, so records can be encoded in parallel and appended in order. A large record (at
     * least four {@link #SAMPLE}s) is deflated in steps, and stored as it is as soon as what was read so far has not
     * shrunk by 1/8: deflating what does not compress is the slowest thing an export would do.
     */
    public static Encoded encode(byte[] bytes, int off, int len, Deflater deflater) {
        return encode(bytes, off, len, deflater, null);
    }

    /**
     * {@link #encode(byte[], int, int, Deflater)} deflating into {@code scratch} when it holds 7/8 of {@code len}
     * (then only a deflated body is copied out of it): an encoder thread keeps one, so a record that does not
     * compress (most records of module zips and image layers) allocates and zeroes no output buffer of almost its
     * size only to drop it. {@code scratch} may be reused once this returns.
     */
    public static Encoded encode(byte[] bytes, int off, int len, Deflater deflater, byte[] scratch) {
        if (len < 1 || len > Volume.MAX_RECORD) {
            throw new IllegalArgumentException("a record holds 1 to " + Volume.MAX_RECORD + " bytes, not " + len);
        }
        int n = -1;
        byte[] out = null;
        boolean reused = false;
        if (len >= 8) {
            int limit = len - len / 8;
            reused = scratch != null && scratch.length >= limit;
            out = reused ? scratch : new byte[limit];
            n = deflate(bytes, off, len, deflater, out, limit);
        }
        boolean useDeflated = n >= 0;
        ByteBuffer h = ByteBuffer.allocate(Volume.RECORD_HEADER);
        h.put((byte) (useDeflated ? Volume.FLAG_DEFLATED : 0)).putInt(len).putInt(useDeflated ? n : len);
        if (useDeflated) {
            return new Encoded(h.array(), reused ? Arrays.copyOf(out, n) : out, n, len);
        }
        // A body starting at 0 is passed as it is, however long the array: the record is its first len bytes.
        byte[] body = off == 0 ? bytes : Arrays.copyOfRange(bytes, off, off + len);
        return new Encoded(h.array(), body, len, len);
    }

    /**
     * The deflated length when it is at most {@code limit}, 7/8 of {@code len} (written to {@code out}, which holds
     * that much), else -1. A large record is fed in steps ending at {@link #SAMPLE}, then 4, 8, 16... samples; after
     * each step the output is sync-flushed (so it counts every byte read) and the deflate gives up if it is not 1/8
     * below what was read. A single sample taken apart, as before 2026-12-07, said "compressible" for a quarter of the records
     * of module zips (a zip's central directory in the sample), and each of those was then deflated whole, about
     * 7/8 of a MiB, only to be stored: that was 28% of the export's encoding CPU for the Go-module profile. The
     * flushes cost a few bytes each in records that do compress; the stream stays one deflate stream.
     */
    private static int deflate(byte[] bytes, int off, int len, Deflater deflater, byte[] out, int limit) {
        deflater.reset();
        int n = 0;
        int fed = 0;
        int step = len >= 4 * SAMPLE ? SAMPLE : len;
        while (true) {
            int upTo = Math.min(len, step);
            deflater.setInput(bytes, off + fed, upTo - fed);
            fed = upTo;
            if (fed == len) {
                deflater.finish();
                while (!deflater.finished() && n < limit) {
                    n += deflater.deflate(out, n, limit - n);
                }
                return deflater.finished() && n <= limit ? n : -1;
            }
            // A sync flush ends when a call leaves room in the output; a full output is a refusal anyway.
            for (int room = limit - n; ; room = limit - n) {
                if (room == 0) {
                    return -1;
                }
                int k = deflater.deflate(out, n, room, Deflater.SYNC_FLUSH);
                n += k;
                if (k < room) {
                    break;
                }
            }
            if (n > fed - fed / 8) {
                return -1;
            }
            step = step == SAMPLE ? 4 * SAMPLE : 2 * step;
        }
    }

    /** Appends a record {@link #encode}d before; returns its offset in the volume. */
    public long append(Encoded record) throws IOException {
        if (finished) {
            throw new IllegalStateException("volume finished");
        }
        long at = position;
        put(record.header());
        put(record.body(), 0, record.bodyLength());
        records++;
        return at;
    }

    /** Writes the trailer; returns the volume's size and digest. Flushes, does not close, the stream. */
    public Summary finish() throws IOException {
        if (finished) {
            throw new IllegalStateException("volume finished");
        }
        finished = true;
        deflater.end();
        put(Volume.TRAILER_MAGIC);
        put(ByteBuffer.allocate(8).putLong(records).array());
        byte[] trailerDigest = precedingDigest();
        out.write(trailerDigest);
        position += trailerDigest.length;
        sha.update(trailerDigest);
        out.flush();
        // The manifest's digest covers the whole file, the trailer's own digest included.
        return new Summary(position, HexFormat.of().formatHex(sha.digest()), records);
    }

    private byte[] precedingDigest() {
        try {
            return ((MessageDigest) sha.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private void put(byte[] b) throws IOException {
        put(b, 0, b.length);
    }

    private void put(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        sha.update(b, off, len);
        position += len;
    }
}
