package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * A byte range of one object, fetched a chunk at a time. The first chunk is found with one seekForPrev on the
 * index (or read straight from the object record for one-chunk objects); each next one by its exact index key,
 * offset + length of the previous, so no iterator stays open between reads. A chunk whose reference carries a
 * CRC32C is read without RocksDB's checksums and checked here instead ({@link ChunkChecksum}), as is an inline chunk
 * (its bytes come with its entry or record, StoreLayout); a mismatch is a
 * {@link ChunkDamagedException} before any of its bytes reach the caller.
 *
 * <p>Registered with the store's {@link ObjectReaders} from construction until the range is read or the stream is
 * closed, whichever comes first, so a delete of the object keeps its chunks until then.
 */
final class ChunkedInputStream extends InputStream {
    private final RocksContentStore store;
    private final ObjectRecord record;
    private final long end;
    private long pos;
    private byte[] chunk;
    private long chunkStart;
    /** Bytes of the chunk in {@link #chunk} (a pooled array in transferTo is longer than its chunk). */
    private int chunkLength;
    /** Set by {@link #locate}: the located chunk's offset in the object and its CRC32C (or ChunkChecksum.NONE). */
    private long located;

    private long locatedChecksum;
    /** Set by {@link #locate}: the located chunk's bytes when it is inline (StoreLayout), else null. */
    private byte[] locatedInline;

    private boolean released;

    ChunkedInputStream(RocksContentStore store, ObjectRecord record, long offset, long length) {
        this.store = store;
        this.record = record;
        this.pos = offset;
        this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (pos >= end) {
            release();
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        if (released) {
            throw new IOException("stream closed");
        }
        if (chunk == null || pos >= chunkStart + chunkLength) {
            try {
                load();
            } catch (IOException | RuntimeException e) {
                release();
                throw e;
            }
        }
        int inChunk = (int) (pos - chunkStart);
        int n = (int) Math.min(Math.min(len, end - pos), chunkLength - inChunk);
        System.arraycopy(chunk, inChunk, b, off, n);
        pos += n;
        if (pos >= end) {
            release(); // the bytes are copied: the chunks may go now, even if the caller never closes
        }
        return n;
    }

    /**
     * Hands each chunk's bytes of the range to {@code out} as one write, from an array of the store's
     * {@link ReadBuffers} that RocksDB copies the chunk into: no intermediate buffer, no copy here and no
     * allocation per chunk. {@code out} must be done with the array when its write returns (it is reused).
     */
    @Override
    public long transferTo(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        long total = 0;
        if (chunk != null && pos < end && pos < chunkStart + chunkLength) {
            // the rest of a chunk a read() loaded
            int inChunk = (int) (pos - chunkStart);
            int n = (int) Math.min(end - pos, chunkLength - inChunk);
            byte[] bytes = chunk;
            advance(n);
            out.write(bytes, inChunk, n);
            total += n;
        }
        if (pos >= end) {
            release();
            return total;
        }
        ReadBuffers buffers = store.readBuffers();
        byte[] buffer = buffers.take();
        try {
            while (pos < end) {
                if (released) {
                    throw new IOException("stream closed");
                }
                int length;
                long start;
                try {
                    byte[] digest = locate();
                    start = located;
                    long checksum = locatedChecksum;
                    byte[] inline = locatedInline;
                    if (inline != null) {
                        check(digest, checksum, inline, inline.length);
                        total += writeFrom(out, inline, start, inline.length);
                        continue;
                    }
                    ReadOptions read = readOptions(checksum);
                    length = store.withDb(() -> store.db().get(store.chunks, read, digest, buffer));
                    if (length == RocksDB.NOT_FOUND) {
                        throw missing(digest);
                    }
                    if (length > buffer.length) { // larger than any chunking cuts: read it the ordinary way
                        byte[] whole = store.withDb(() -> store.db().get(store.chunks, read, digest));
                        if (whole == null) {
                            throw missing(digest);
                        }
                        check(digest, checksum, whole, whole.length);
                        total += writeFrom(out, whole, start, whole.length);
                        continue;
                    }
                    check(digest, checksum, buffer, length);
                } catch (IOException | RuntimeException e) {
                    release();
                    throw e;
                }
                total += writeFrom(out, buffer, start, length);
            }
        } finally {
            chunk = null; // never keep the pooled array: a later read() loads its own
            buffers.give(buffer);
        }
        release();
        return total;
    }

    /** Writes the part of the chunk at {@code start} ({@code length} bytes in {@code bytes}) that the range needs. */
    private int writeFrom(OutputStream out, byte[] bytes, long start, int length) throws IOException {
        chunk = bytes;
        chunkStart = start;
        chunkLength = length;
        int inChunk = (int) (pos - start);
        int n = (int) Math.min(end - pos, length - inChunk);
        advance(n);
        out.write(bytes, inChunk, n);
        return n;
    }

    private void advance(int n) {
        pos += n;
        if (pos >= end) {
            release(); // the bytes are in our array: the chunks may go now, even if the caller never closes
        }
    }

    @Override
    public void close() {
        release();
    }

    private void release() {
        if (!released) {
            released = true;
            store.readEnded(record.id());
        }
    }

    @Override
    public long skip(long n) {
        long skipped = Math.max(0, Math.min(n, end - pos));
        pos += skipped;
        return skipped;
    }

    @Override
    public int available() {
        return chunk == null ? 0 : (int) Math.max(0, Math.min(end - pos, chunkStart + chunkLength - pos));
    }

    private void load() throws IOException {
        byte[] digest = locate();
        long checksum = locatedChecksum;
        byte[] bytes = locatedInline != null
                ? locatedInline
                : store.withDb(() -> store.db().get(store.chunks, readOptions(checksum), digest));
        if (bytes == null) {
            throw missing(digest);
        }
        check(digest, checksum, bytes, bytes.length);
        chunk = bytes;
        chunkStart = located;
        chunkLength = bytes.length;
    }

    /** The digest of the chunk holding {@code pos}; its offset in the object goes to {@link #located}. */
    private byte[] locate() throws IOException {
        if (record.soleChunk() != null) {
            located = 0;
            locatedChecksum = record.soleChecksum();
            locatedInline = record.soleInline();
            return record.soleChunk();
        }
        if (chunk != null && pos == chunkStart + chunkLength) {
            long start = pos;
            byte[] value = store.withDb(() -> store.db().get(store.index, IndexEntry.key(record.id(), start)));
            if (value == null) {
                throw new IOException("store corrupt: object " + record.id() + " has no chunk at " + start);
            }
            located = start;
            locatedChecksum = IndexEntry.checksumOf(value);
            locatedInline = IndexEntry.inlineOf(value);
            return Arrays.copyOf(value, Sha256.LENGTH);
        }
        IndexEntry entry = store.withDb(this::seek);
        located = entry.offset();
        locatedChecksum = entry.checksum();
        locatedInline = entry.inline();
        return entry.chunk();
    }

    /** RocksDB verifies its own checksums only for a chunk without a recorded CRC32C ({@link ChunkChecksum}). */
    private ReadOptions readOptions(long checksum) {
        return checksum == ChunkChecksum.NONE ? store.verified() : store.unverified();
    }

    private void check(byte[] digest, long checksum, byte[] bytes, int length) throws ChunkDamagedException {
        if (checksum != ChunkChecksum.NONE && ChunkChecksum.of(bytes, 0, length) != checksum) {
            throw new ChunkDamagedException(Sha256.of(digest), record.id());
        }
    }

    private IOException missing(byte[] digest) {
        return new IOException(
                "store corrupt: chunk " + Sha256.of(digest) + " of object " + record.id() + " is missing");
    }

    private IndexEntry seek() throws IOException {
        try (RocksIterator it = store.db().newIterator(store.index)) {
            it.seekForPrev(IndexEntry.key(record.id(), pos));
            if (!it.isValid() || IndexEntry.idOf(it.key()) != record.id()) {
                throw new IOException("store corrupt: object " + record.id() + " has no chunk covering " + pos);
            }
            return IndexEntry.decode(it.key(), it.value());
        }
    }
}
