package dev.ferry.storage;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Streams one object in: bytes collect in a buffer a few chunks long, the chunker cuts, and each chunk goes to
 * RocksDB at once (unsynced) together with its reference and index entry ({@link PendingObject}), so memory stays
 * at one buffer.
 */
final class RocksObjectWriter extends ObjectWriter {
    private final PendingObject object;
    private final Chunker chunker;
    /** The first buffer: a .info or .mod (tens of bytes) never needs more, a zip or layer grows it. */
    static final int FIRST_BUFFER = 16 << 10;

    private final int decideAt;
    private final int capacity;
    private byte[] buf;
    private int start;
    private int end;
    private long written;

    RocksObjectWriter(PendingObject object, Chunker chunker) {
        this.object = object;
        this.chunker = chunker;
        this.decideAt = chunker.maxChunk() + Chunker.LOOKAHEAD;
        // Room for a few chunks, so the leftover after a cut is moved to the front rarely; fixed cuts always take a
        // whole chunk at decideAt and leave at most one write behind, so two chunks' room does (2 MiB, not 4).
        this.capacity = (chunker instanceof FixedSizeChunker ? 2 : 4) * decideAt;
        // Grown on demand: a whole-capacity buffer (1 MiB with the default sizes) allocated and zeroed for each small
        // file was a visible part of a cold .mod's cost (bench/cold).
        this.buf = new byte[Math.min(FIRST_BUFFER, capacity)];
    }

    @Override
    public long written() {
        return written;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        object.ensureOpen();
        object.hash(b, off, len);
        written += len;
        while (len > 0) {
            if (end == buf.length) {
                if (start == 0) {
                    // Full of one undecided chunk: below capacity (cuts keep less than decideAt undecided).
                    buf = Arrays.copyOf(buf, Math.min(2 * buf.length, capacity));
                } else {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
            }
            int n = Math.min(len, buf.length - end);
            System.arraycopy(b, off, buf, end, n);
            end += n;
            off += n;
            len -= n;
            cutChunks(false);
        }
    }

    private void cutChunks(boolean eof) throws IOException {
        while (end - start >= decideAt || (eof && end > start)) {
            int length = chunker.cut(buf, start, end, eof);
            object.storeChunk(buf, start, length);
            start += length;
        }
    }

    @Override
    public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes, Durability durability)
            throws IOException {
        object.ensureOpen();
        try {
            cutChunks(true);
        } catch (IOException | RuntimeException | Error e) {
            abort();
            throw e;
        }
        return object.commit(expected, changes, durability);
    }

    @Override
    public void check(Sha256 expected) throws IOException {
        object.check(expected);
    }

    @Override
    public void abort() {
        object.abort();
    }

    @Override
    public void close() {
        abort();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
