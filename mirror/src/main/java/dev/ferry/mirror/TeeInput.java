package dev.ferry.mirror;

import dev.ferry.storage.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The upstream body as the checker reads it: every byte the checker sees also goes, in the same pass, to the
 * store's object writer, to the spool that clients follow (if any), and into a SHA-256 that the commit
 * verifies, so what was checked is exactly what is stored. Reading past {@code limit} fails and sets
 * {@link #overLimit()}, so callers can tell "too large" (bad content) from a broken transfer.
 */
public final class TeeInput extends InputStream {
    private final InputStream in;
    private final OutputStream writer;
    private final Spool spool;
    private final long limit;
    private final MessageDigest sha;
    private long count;
    private boolean overLimit;

    /**
     * @param spool the spool clients follow, or null
     * @param limit the most bytes accepted
     */
    public TeeInput(InputStream in, OutputStream writer, Spool spool, long limit) {
        this(in, writer, spool, limit, true);
    }

    /**
     * @param hash whether to keep the SHA-256 {@link #digest()} returns; a caller that passes the expected digest
     *             to the store's commit (which hashes every byte itself) needs none, and saves a pass over the body
     */
    public TeeInput(InputStream in, OutputStream writer, Spool spool, long limit, boolean hash) {
        this.in = in;
        this.writer = writer;
        this.spool = spool;
        this.limit = limit;
        try {
            this.sha = hash ? MessageDigest.getInstance("SHA-256") : null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = in.read(b, off, len);
        if (n <= 0) {
            return n;
        }
        if (count + n > limit) {
            overLimit = true;
            throw new IOException("more than " + limit + " bytes");
        }
        count += n;
        if (sha != null) {
            sha.update(b, off, n);
        }
        writer.write(b, off, n);
        if (spool != null) {
            spool.append(b, off, n);
        }
        return n;
    }

    /** Skipped bytes are still stored and hashed: the stored object must be the whole body. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int got = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (got < 0) {
                break;
            }
            skipped += got;
        }
        return skipped;
    }

    /** Reads whatever the checker left unread, so the stored object is the whole body. */
    public void drain() throws IOException {
        byte[] buffer = new byte[64 << 10];
        while (read(buffer, 0, buffer.length) >= 0) {
            // keep reading
        }
    }

    @Override
    public void close() {
        // The upstream client owns the body; a checker closing its input must not end the download.
    }

    public boolean overLimit() {
        return overLimit;
    }

    public long count() {
        return count;
    }

    /** The digest of everything read; call once, at the end. */
    public Sha256 digest() {
        if (sha == null) {
            throw new IllegalStateException("this tee keeps no digest");
        }
        return Sha256.of(sha.digest());
    }
}
