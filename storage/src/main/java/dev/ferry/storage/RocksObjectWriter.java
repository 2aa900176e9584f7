package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Streams one object in: bytes collect in a buffer a few chunks long, the chunker cuts, and each chunk goes to
 * RocksDB at once (unsynced) together with its reference and index entry, so memory stays at one buffer.
 */
final class RocksObjectWriter extends ObjectWriter {
    private enum State { OPEN, COMMITTED, ABORTED }

    private final RocksContentStore store;
    private final long id;
    private final Chunker chunker;
    private final byte[] buf;
    private final int decideAt;
    private int start;
    private int end;
    private final MessageDigest objectDigest = sha256();
    private final MessageDigest chunkDigest = sha256();
    private final WriteBatch batch = new WriteBatch();
    private long written;
    private long chunkOffset;
    private int chunkCount;
    private byte[] firstChunk;
    private State state = State.OPEN;

    RocksObjectWriter(RocksContentStore store, long id, Chunker chunker) {
        this.store = store;
        this.id = id;
        this.chunker = chunker;
        this.decideAt = chunker.maxChunk() + Chunker.LOOKAHEAD;
        // Room for a few chunks, so the leftover after a cut is moved to the front rarely; fixed cuts always take a
        // whole chunk at decideAt and leave at most one write behind, so two chunks' room does (2 MiB, not 4).
        this.buf = new byte[(chunker instanceof FixedSizeChunker ? 2 : 4) * decideAt];
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
        ensureOpen();
        objectDigest.update(b, off, len);
        written += len;
        while (len > 0) {
            if (end == buf.length) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
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
            storeChunk(buf, start, length);
            start += length;
        }
    }

    private void storeChunk(byte[] b, int off, int len) throws IOException {
        chunkDigest.update(b, off, len);
        byte[] digest = chunkDigest.digest();
        Sha256 key = Sha256.of(digest);
        store.inFlight().referencing(key, pinned -> store.withDb(() -> {
                batch.clear();
                // Present ref key <=> chunk stored (they are deleted together); never rewrite a stored chunk,
                // unless the store is repairing and the stored bytes no longer hash to their address.
                if (store.db().get(store.refs, digest) == null) {
                    batch.put(store.chunks, digest, Arrays.copyOfRange(b, off, off + len));
                    batch.merge(store.counters, Counter.CHUNKS.key(), Count.PLUS_ONE);
                    batch.merge(store.counters, Counter.CHUNK_BYTES.key(), Count.encode(len));
                } else if (store.repairing() && damaged(digest)) {
                    batch.put(store.chunks, digest, Arrays.copyOfRange(b, off, off + len));
                    store.chunkRepaired();
                }
                batch.merge(store.refs, digest, Count.PLUS_ONE);
                batch.put(store.index, IndexEntry.key(id, chunkOffset), IndexEntry.value(digest, len));
                if (chunkCount == 0) {
                    batch.put(store.pending, StoreLayout.Pending.key(id),
                            StoreLayout.Pending.value(System.currentTimeMillis()));
                }
                store.db().write(store.unsynced, batch);
                return null;
            }));
        if (chunkCount == 0) {
            firstChunk = digest;
        }
        chunkCount++;
        chunkOffset += len;
    }

    /** Whether the stored chunk {@code digest} is missing, unreadable, or holds bytes of another hash. */
    private boolean damaged(byte[] digest) {
        byte[] stored;
        try {
            stored = store.db().get(store.chunks, digest);
        } catch (RocksDBException e) {
            return true; // RocksDB's own checksum caught the damage
        }
        return stored == null || !Arrays.equals(sha256().digest(stored), digest);
    }

    @Override
    public StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes) throws IOException {
        ensureOpen();
        boolean fresh;
        Sha256 digest;
        try {
            cutChunks(true);
            digest = Sha256.of(objectDigest.digest());
            if (expected != null && !expected.equals(digest)) {
                throw new DigestMismatchException(expected, digest);
            }
            ObjectRecord record = new ObjectRecord(written, chunkCount == 0 ? 0 : id,
                    chunkCount == 1 ? firstChunk : null);
            fresh = store.commitObject(id, digest, record, changes);
        } catch (IOException | RuntimeException | Error e) {
            abort();
            throw e;
        }
        state = State.COMMITTED;
        try {
            if (!fresh) {
                store.reclaim(id); // an identical object won the race: our chunks are extra references only
            }
        } finally {
            finish();
        }
        return new StoredObject(digest, written);
    }

    @Override
    public void abort() {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        try {
            store.reclaim(id);
        } catch (IOException e) {
            // The store is closing or failing; pending/<id> stays and the next open reclaims it.
        } finally {
            finish();
        }
    }

    @Override
    public void close() {
        abort();
    }

    private void finish() {
        batch.close();
        store.writerDone(this);
    }

    private void ensureOpen() throws IOException {
        if (state != State.OPEN) {
            throw new IOException("object writer " + id + " is " + state.name().toLowerCase());
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
