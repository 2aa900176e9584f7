package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The part of an unfinished object that is in RocksDB already: its id, the chunks stored or referenced so far under
 * that id (each with its reference, index entry and, with the first, {@code pending/<id>}), the object digest, and
 * commit or abort. Shared by the streaming {@link RocksObjectWriter} (which cuts) and the
 * {@link RocksObjectAssembler} (which is given the cuts), so both keep the same crash and reclaim guarantees.
 */
final class PendingObject {
    private enum State {
        OPEN,
        COMMITTED,
        ABORTED
    }

    private final RocksContentStore store;
    private final String kind;
    private final long id;
    private final long loglessFrom;
    private final MessageDigest objectDigest = RocksObjectWriter.sha256();
    private final MessageDigest chunkDigest = RocksObjectWriter.sha256();
    private final WriteBatch batch = new WriteBatch();
    private long stored;
    private int chunkCount;
    private byte[] firstChunk;
    private long firstChecksum = ChunkChecksum.NONE;
    /** The first chunk's bytes when it is inline: a one-chunk object's record then holds them too. */
    private byte[] firstInline;

    private ChunkBatch batched;
    /** The highest {@link UnflushedChunks} ticket among the chunks this object stored or found stored. */
    private long durableTicket;
    /** New chunks' bytes skip the log from the first byte (a bulk load: {@link ChunkStore#assembleInBulk}). */
    private boolean loglessFromStart;
    /** The object digest once {@link #check} computed it: no more bytes may come. */
    private Sha256 checked;

    private State state = State.OPEN;

    PendingObject(RocksContentStore store, String kind, long id) {
        this(store, kind, id, UnflushedChunks.LARGE_OBJECT_BYTES);
    }

    /** @param loglessFrom from this many bytes into the object, new chunks' bytes skip the log (UnflushedChunks) */
    PendingObject(RocksContentStore store, String kind, long id, long loglessFrom) {
        this.store = store;
        this.kind = kind;
        this.id = id;
        this.loglessFrom = loglessFrom;
    }

    /** Before the first chunk: every new chunk's bytes skip the log, as past LARGE_OBJECT_BYTES (UnflushedChunks). */
    void skipLogFromStart() {
        loglessFromStart = true;
    }

    /** Bytes of the object's chunks so far. */
    long stored() {
        return stored;
    }

    /** Feeds the object digest (bytes in object order). */
    void hash(byte[] b, int off, int len) {
        if (checked != null) {
            throw new IllegalStateException(kind + " " + id + " was checked: no more bytes");
        }
        objectDigest.update(b, off, len);
    }

    /** Stores {@code len} bytes as the next chunk, or only references it when the store holds it already. */
    void storeChunk(byte[] b, int off, int len) throws IOException {
        chunkDigest.update(b, off, len);
        storeChunk(b, off, len, chunkDigest.digest());
    }

    /** As {@link #storeChunk(byte[], int, int)}, for bytes the caller has checked to hash to {@code digest}. */
    void storeChunk(byte[] b, int off, int len, byte[] digest) throws IOException {
        long checksum = ChunkChecksum.of(b, off, len);
        if (ChunkStore.keptInline(len)) {
            storeInline(b, off, len, digest, checksum);
            return;
        }
        Sha256 chunk = Sha256.of(digest);
        boolean logless = logless();
        store.inFlight()
                .referencing(
                        chunk,
                        pinned -> store.withDb(() -> {
                            batch.clear();
                            // Present ref key <=> chunk stored (they are deleted together); never rewrite a stored
                            // chunk,
                            // unless the store is repairing and the stored bytes no longer hash to their address.
                            if (store.db().get(store.refs, digest) == null) {
                                if (!logless) {
                                    batch.put(store.chunks, digest, Arrays.copyOfRange(b, off, off + len));
                                }
                                batch.merge(store.counters, Counter.CHUNKS.key(), Count.PLUS_ONE);
                                batch.merge(store.counters, Counter.CHUNK_BYTES.key(), Count.encode(len));
                                writeReference(digest, len, checksum);
                                if (logless) {
                                    // After its count and reference (in the log): a crash that loses the bytes
                                    // leaves an interrupted write for the next open to reclaim, never bytes
                                    // nothing counts.
                                    putLogless(store, chunk, b, off, len);
                                    relyOn(store.unflushed().written(List.of(chunk)));
                                }
                                return null;
                            } else if (store.repairing() && damaged(digest)) {
                                batch.put(store.chunks, digest, Arrays.copyOfRange(b, off, off + len));
                                store.chunkRepaired();
                            } else {
                                relyOn(store.unflushed().ticket(chunk));
                            }
                            writeReference(digest, len, checksum);
                            return null;
                        }));
        appended(digest, len, checksum);
    }

    /**
     * Stores a chunk of at most {@link ChunkStore#INLINE_MAX} bytes in its index entry (StoreLayout): no lock, no
     * lookup and no count, since no other object shares it.
     */
    private void storeInline(byte[] b, int off, int len, byte[] digest, long checksum) throws IOException {
        store.withDb(() -> {
            batch.clear();
            batch.merge(store.counters, Counter.CHUNK_BYTES.key(), Count.encode(len));
            writeEntry(IndexEntry.inlineValue(digest, b, off, len, checksum));
            return null;
        });
        if (chunkCount == 0) {
            firstInline = Arrays.copyOfRange(b, off, off + len);
        }
        appended(digest, len, checksum);
    }

    /**
     * Writes a new chunk's bytes without the log. Should that fail (a failing store), the bytes go through the log
     * instead, before the chunk leaves the in-flight lock: its reference is written already, and no other writer may
     * find the reference without the bytes.
     */
    static void putLogless(RocksContentStore store, Sha256 chunk, byte[] b, int off, int len) throws RocksDBException {
        // From the caller's buffer (JNI copies the range once): a 1 MiB copy per chunk of a cold layer saved.
        byte[] key = chunk.bytes();
        try {
            store.db().put(store.chunks, store.logless(), key, 0, key.length, b, off, len);
        } catch (RocksDBException e) {
            store.db().put(store.chunks, store.unsynced, key, 0, key.length, b, off, len);
        }
    }

    /** The commit must first make log-less chunk writes up to {@code ticket} durable ({@link UnflushedChunks}). */
    private void relyOn(long ticket) {
        durableTicket = Math.max(durableTicket, ticket);
    }

    /**
     * Whether the next chunk's (or chunk batch's) new bytes skip the log: from {@code loglessFrom} into the object
     * (UnflushedChunks); a repair rewrites through the log as before.
     */
    private boolean logless() {
        return (loglessFromStart || stored >= loglessFrom) && !store.repairing();
    }

    /**
     * Appends {@code bytes} as the next chunk through the object's {@link ChunkBatch}: stored (or only referenced when
     * present) with the batch, written when it is full and before the commit. {@code digest} is the bytes' sha256,
     * checked by the caller; the array is held unchanged until written.
     */
    void bufferChunk(Sha256 digest, byte[] bytes) throws IOException {
        if (batched == null) {
            batched = new ChunkBatch(store, id);
        }
        long checksum = ChunkChecksum.of(bytes);
        if (chunkCount == 0 && ChunkStore.keptInline(bytes.length)) {
            firstInline = bytes;
        }
        boolean full = batched.add(digest, bytes, checksum, stored);
        appended(digest.bytes(), bytes.length, checksum);
        if (full) {
            relyOn(batched.write(logless()));
        }
    }

    /**
     * References the stored chunk {@code digest} as the next chunk, if the store holds it at {@code length} bytes,
     * decided under the chunk's in-flight lock and written with the object's next batch (pinned until then, so no
     * deleter can take it in between).
     * @return the chunk's bytes, or null (nothing appended) when the store does not hold it at that length
     */
    byte[] bufferStored(Sha256 digest, int length) throws IOException {
        if (batched == null) {
            batched = new ChunkBatch(store, id);
        }
        byte[] bytes = batched.addStored(digest, length, stored);
        if (bytes != null) {
            // Only a first chunk's checksum is kept (for a one-chunk object's record): computed again only then.
            appended(digest.bytes(), length, chunkCount == 0 ? ChunkChecksum.of(bytes) : ChunkChecksum.NONE);
            if (batched.full()) {
                relyOn(batched.write(logless()));
            }
        }
        return bytes;
    }

    /**
     * References the stored chunk {@code digest} as the next chunk, if the store holds it at {@code length} bytes:
     * decided and referenced under the chunk's in-flight lock, so no deleter can take it in between.
     * @return the chunk's bytes, or null (nothing appended) when the store does not hold it at that length
     */
    byte[] referenceStored(Sha256 digest, int length) throws IOException {
        byte[] key = digest.bytes();
        byte[] bytes = store.inFlight()
                .referencing(
                        digest,
                        pinned -> store.withDb(() -> {
                            if (store.db().get(store.refs, key) == null) {
                                return null;
                            }
                            byte[] chunk = store.db().get(store.chunks, key);
                            if (chunk == null || chunk.length != length) {
                                return null;
                            }
                            batch.clear();
                            writeReference(key, length, ChunkChecksum.of(chunk));
                            relyOn(store.unflushed().ticket(digest));
                            return chunk;
                        }));
        if (bytes != null) {
            // Only a first chunk's checksum is kept (for a one-chunk object's record): computed again only then.
            appended(key, length, chunkCount == 0 ? ChunkChecksum.of(bytes) : ChunkChecksum.NONE);
        }
        return bytes;
    }

    /** Under the chunk's in-flight lock: its reference and index entry (and pending/<id> with the first chunk). */
    private void writeReference(byte[] digest, int len, long checksum) throws RocksDBException {
        batch.merge(store.refs, digest, Count.PLUS_ONE);
        writeEntry(IndexEntry.value(digest, len, checksum));
    }

    /** Writes the batch with the next chunk's index entry (and pending/<id> with the first chunk). */
    private void writeEntry(byte[] entry) throws RocksDBException {
        batch.put(store.index, IndexEntry.key(id, stored), entry);
        if (chunkCount == 0) {
            batch.put(
                    store.pending, StoreLayout.Pending.key(id), StoreLayout.Pending.value(System.currentTimeMillis()));
        }
        store.db().write(store.unsynced, batch);
    }

    private void appended(byte[] digest, int len, long checksum) {
        if (chunkCount == 0) {
            firstChunk = digest;
            firstChecksum = checksum;
        }
        chunkCount++;
        stored += len;
    }

    /** Whether the stored chunk {@code digest} is missing, unreadable, or holds bytes of another hash. */
    private boolean damaged(byte[] digest) {
        return damaged(store, digest);
    }

    static boolean damaged(RocksContentStore store, byte[] digest) {
        byte[] bytes;
        try {
            bytes = store.db().get(store.chunks, digest);
        } catch (RocksDBException e) {
            return true; // RocksDB's own checksum caught the damage
        }
        return bytes == null || !Arrays.equals(RocksObjectWriter.sha256().digest(bytes), digest);
    }

    /**
     * Writes the buffered chunks and makes the log-less ones durable, as the commit would before naming them (not for
     * a bulk load: its commit does, once for many objects); on failure aborts (gives every reference back).
     */
    void writeBuffered() throws IOException {
        try {
            if (batched != null) {
                relyOn(batched.write(logless()));
            }
            if (durableTicket > 0 && !loglessFromStart) {
                long ticket = durableTicket;
                store.withDb(() -> {
                    store.unflushed().makeDurable(ticket);
                    return null;
                });
            }
        } catch (IOException | RuntimeException | Error e) {
            abort();
            throw e;
        }
    }

    /** Finishes the object digest and compares it with {@code expected}; on a mismatch aborts. */
    void check(Sha256 expected) throws IOException {
        ensureOpen();
        if (checked == null) {
            checked = Sha256.of(objectDigest.digest());
        }
        if (!checked.equals(expected)) {
            abort();
            throw new DigestMismatchException(expected, checked);
        }
    }

    /** Checks the digest and makes the object visible; on any failure aborts (gives every reference back). */
    StoredObject commit(Sha256 expected, Consumer<StoreBatch> changes, Durability durability) throws IOException {
        ensureOpen();
        boolean fresh;
        Sha256 digest;
        try {
            digest = checked != null ? checked : Sha256.of(objectDigest.digest());
            if (expected != null && !expected.equals(digest)) {
                throw new DigestMismatchException(expected, digest);
            }
            if (batched != null) {
                relyOn(batched.write(logless()));
            }
            if (durableTicket > 0) {
                long ticket = durableTicket;
                store.withDb(() -> {
                    store.unflushed().makeDurable(ticket); // before the commit names the chunks
                    return null;
                });
            }
            ObjectRecord record = new ObjectRecord(
                    stored,
                    chunkCount == 0 ? 0 : id,
                    chunkCount == 1 ? firstChunk : null,
                    chunkCount == 1 ? firstChecksum : ChunkChecksum.NONE,
                    chunkCount == 1 ? firstInline : null);
            fresh = store.commitObject(id, digest, record, changes, durability);
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
        return new StoredObject(digest, stored);
    }

    void abort() {
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

    private void finish() {
        if (batched != null) {
            batched.drop();
        }
        batch.close();
        store.writerDone(this);
    }

    void ensureOpen() throws IOException {
        if (state != State.OPEN) {
            throw new IOException(kind + " " + id + " is " + state.name().toLowerCase(Locale.ROOT));
        }
    }
}
