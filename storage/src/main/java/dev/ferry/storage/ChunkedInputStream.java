package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import org.rocksdb.RocksIterator;

/**
 * A byte range of one object, fetched a chunk at a time. The first chunk is found with one seekForPrev on the
 * index (or read straight from the object record for one-chunk objects); each next one by its exact index key,
 * offset + length of the previous, so no iterator stays open between reads.
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
        if (chunk == null || pos >= chunkStart + chunk.length) {
            try {
                load();
            } catch (IOException | RuntimeException e) {
                release();
                throw e;
            }
        }
        int inChunk = (int) (pos - chunkStart);
        int n = (int) Math.min(Math.min(len, end - pos), chunk.length - inChunk);
        System.arraycopy(chunk, inChunk, b, off, n);
        pos += n;
        if (pos >= end) {
            release(); // the bytes are copied: the chunks may go now, even if the caller never closes
        }
        return n;
    }

    /**
     * Hands each chunk's bytes of the range to {@code out} as one write straight from the array RocksDB returned:
     * no intermediate buffer and no copy here (a whole chunk for every chunk the range covers entirely).
     */
    @Override
    public long transferTo(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        long total = 0;
        while (pos < end) {
            if (released) {
                throw new IOException("stream closed");
            }
            if (chunk == null || pos >= chunkStart + chunk.length) {
                try {
                    load();
                } catch (IOException | RuntimeException e) {
                    release();
                    throw e;
                }
            }
            int inChunk = (int) (pos - chunkStart);
            int n = (int) Math.min(end - pos, chunk.length - inChunk);
            byte[] bytes = chunk;
            pos += n;
            if (pos >= end) {
                chunk = null; // the caller may keep writing slowly; the stream no longer needs the array
                release();
            }
            out.write(bytes, inChunk, n);
            total += n;
        }
        release();
        return total;
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
        return chunk == null ? 0 : (int) Math.max(0, Math.min(end - pos, chunkStart + chunk.length - pos));
    }

    private void load() throws IOException {
        byte[] digest;
        long start;
        if (record.soleChunk() != null) {
            digest = record.soleChunk();
            start = 0;
        } else if (chunk != null && pos == chunkStart + chunk.length) {
            start = pos;
            byte[] value = store.withDb(() -> store.db().get(store.index, IndexEntry.key(record.id(), start)));
            if (value == null) {
                throw new IOException("store corrupt: object " + record.id() + " has no chunk at " + start);
            }
            digest = Arrays.copyOf(value, Sha256.LENGTH);
        } else {
            IndexEntry entry = store.withDb(this::seek);
            digest = entry.chunk();
            start = entry.offset();
        }
        byte[] bytes = store.withDb(() -> store.db().get(store.chunks, digest));
        if (bytes == null) {
            throw new IOException("store corrupt: chunk " + Sha256.of(digest) + " of object " + record.id()
                    + " is missing");
        }
        chunk = bytes;
        chunkStart = start;
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
