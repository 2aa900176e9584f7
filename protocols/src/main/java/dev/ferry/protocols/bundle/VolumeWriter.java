package dev.ferry.protocols.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.Deflater;

/** Writes one volume ({@link Volume}) to a stream; the caller opens and closes the stream. Not thread-safe. */
public final class VolumeWriter {
    private final OutputStream out;
    private final MessageDigest sha;
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    private byte[] deflated = new byte[0];
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
        if (finished) {
            throw new IllegalStateException("volume finished");
        }
        if (len < 1 || len > Volume.MAX_RECORD) {
            throw new IllegalArgumentException("a record holds 1 to " + Volume.MAX_RECORD + " bytes, not " + len);
        }
        long at = position;
        int limit = len - len / 8;
        if (deflated.length < limit) {
            deflated = new byte[Math.max(limit, 64 << 10)];
        }
        deflater.reset();
        deflater.setInput(bytes, off, len);
        deflater.finish();
        int n = 0;
        while (!deflater.finished() && n < limit) {
            n += deflater.deflate(deflated, n, limit - n);
        }
        boolean useDeflated = deflater.finished() && n <= limit && len >= 8;
        ByteBuffer h = ByteBuffer.allocate(Volume.RECORD_HEADER);
        h.put((byte) (useDeflated ? Volume.FLAG_DEFLATED : 0)).putInt(len).putInt(useDeflated ? n : len);
        put(h.array());
        if (useDeflated) {
            put(deflated, 0, n);
        } else {
            put(bytes, off, len);
        }
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
