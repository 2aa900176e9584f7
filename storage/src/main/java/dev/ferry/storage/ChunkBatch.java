package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.IndexEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The chunks an assembled object appended since its last write, written together: each new chunk with its count,
 * every reference and index entry (and {@code pending/<id>} with the first) in one unsynced RocksDB batch, instead
 * of one write per chunk. The crash and reclaim guarantees are those of the per-chunk path: a batch lands whole or
 * not at all, and {@code pending/<id>} is in the first one, so whatever landed is found and given back by reclaim.
 *
 * <p>Which chunks are new is decided only when the batch is written: every chunk to store is staged first
 * ({@link InFlightChunks#stage}), then one lookup of their counts decides for all of them. A writer of the same
 * chunk in between waits for this batch instead of storing it a second time; another batch of it leaves it for a
 * later write, after this one. A chunk the object references as
 * already stored ({@link #addStored}) is decided at once (the caller needs its bytes) and stays pinned until the
 * batch is written, so no deleter can take it meanwhile.
 */
final class ChunkBatch {
    /** Written when this many chunk bytes are buffered (and at commit). */
    static final long WRITE_BYTES = 4L << 20;

    /** Or this many chunks. */
    static final int WRITE_CHUNKS = 2048;

    /**
     * One appended chunk: bytes of a chunk to store unless present (or to keep inline, when at most
     * {@link ChunkStore#INLINE_MAX} bytes), or null for a stored one pinned at once; its CRC32C for the index entry.
     */
    private record Entry(Sha256 digest, byte[] bytes, int length, long offset, long checksum) {
        boolean inline() {
            return bytes != null && ChunkStore.keptInline(length);
        }
    }

    private final RocksContentStore store;
    private final long id;
    private final List<Entry> entries = new ArrayList<>();
    private long bufferedBytes;
    private boolean pendingWritten;
    /** The highest {@link UnflushedChunks} ticket among the chunks written or referenced so far. */
    private long reliesOn;

    ChunkBatch(RocksContentStore store, long id) {
        this.store = store;
        this.id = id;
    }

    /**
     * Adds a chunk to store at object offset {@code offset}; {@code bytes} is held, unchanged, until written.
     * {@code checksum} is the bytes' CRC32C ({@link ChunkChecksum}). Returns whether the batch should now be written.
     */
    boolean add(Sha256 digest, byte[] bytes, long checksum, long offset) {
        entries.add(new Entry(digest, bytes, bytes.length, offset, checksum));
        bufferedBytes += bytes.length;
        return full();
    }

    /**
     * References the stored chunk {@code digest} at {@code offset} if the store holds it at {@code length} bytes,
     * pinned from this decision until the batch is written. Returns its bytes, or null (nothing added).
     */
    byte[] addStored(Sha256 digest, int length, long offset) throws IOException {
        byte[] key = digest.bytes();
        InFlightChunks inFlight = store.inFlight();
        byte[] bytes = inFlight.referencing(
                digest,
                pinned -> store.withDb(() -> {
                    if (store.db().get(store.refs, key) == null) {
                        return null;
                    }
                    byte[] chunk = store.db().get(store.chunks, key);
                    if (chunk == null || chunk.length != length) {
                        return null;
                    }
                    inFlight.pin(digest); // until written: see release
                    reliesOn = Math.max(reliesOn, store.unflushed().ticket(digest));
                    return chunk;
                }));
        if (bytes != null) {
            entries.add(new Entry(digest, null, length, offset, ChunkChecksum.of(bytes)));
        }
        return bytes;
    }

    boolean full() {
        return bufferedBytes >= WRITE_BYTES || entries.size() >= WRITE_CHUNKS;
    }

    /**
     * Writes what is buffered in one unsynced batch; on failure nothing of it is written and it is dropped.
     * {@code logless}: the new chunks' bytes go in a second batch without the log, written right after the first
     * ({@link UnflushedChunks}). Returns the highest ticket of unflushed chunks the object now relies on (0: none).
     *
     * <p>A chunk another batch has staged (two objects sharing a new chunk, written at the same moment) is left out
     * of this write: its entries follow in another batch once that batch has landed, decided on what it left in
     * RocksDB. Batches of different writers are thus decided and written side by side (their lookups and memtable
     * inserts were 60% of a Go bundle import's readers, serialised behind one lock until session 17).
     */
    long write(boolean logless) throws IOException {
        try {
            List<Entry> rest = entries;
            while (!rest.isEmpty()) {
                List<CompletableFuture<Void>> others = new ArrayList<>();
                rest = writeOnce(rest, logless, others);
                for (CompletableFuture<Void> other : others) {
                    other.join(); // never fails: completed when that batch was written or given up
                }
            }
        } finally {
            unpinStored();
        }
        return reliesOn;
    }

    /**
     * Writes {@code batchEntries} but those of chunks another batch has staged, which it returns, adding the
     * futures of those batches to {@code others}.
     */
    private List<Entry> writeOnce(List<Entry> batchEntries, boolean logless, List<CompletableFuture<Void>> others)
            throws IOException {
        InFlightChunks inFlight = store.inFlight();
        CompletableFuture<Void> written = new CompletableFuture<>();
        List<Sha256> staged = new ArrayList<>();
        List<Sha256> freshList = new ArrayList<>();
        List<Entry> deferred = new ArrayList<>();
        try (WriteBatch batch = new WriteBatch();
                WriteBatch bytes = new WriteBatch()) {
            store.withDb(() -> {
                // Every chunk to store unless present is staged first, then one lookup answers for all of them:
                // a point read each (a JNI call and a search of every memtable and level) was 29% of a Go bundle
                // import's reading threads (bench/bundle README, session 14).
                Set<Sha256> toDecide = new LinkedHashSet<>();
                Set<Sha256> elsewhere = new HashSet<>();
                for (Entry e : batchEntries) {
                    Sha256 d = e.digest();
                    if (e.bytes() == null || e.inline() || toDecide.contains(d) || elsewhere.contains(d)) {
                        continue;
                    }
                    CompletableFuture<Void> other = inFlight.stage(d, written);
                    if (other == null) {
                        toDecide.add(d);
                        staged.add(d);
                    } else {
                        elsewhere.add(d);
                        others.add(other);
                    }
                }
                List<byte[]> keys = new ArrayList<>(toDecide.size());
                for (Sha256 d : toDecide) {
                    keys.add(d.bytes());
                }
                List<byte[]> counts = keys.isEmpty()
                        ? List.of()
                        : store.db().multiGetAsList(Collections.nCopies(keys.size(), store.refs), keys);
                Set<Sha256> fresh = new HashSet<>();
                int k = 0;
                for (Sha256 d : toDecide) {
                    if (counts.get(k++) == null) {
                        fresh.add(d);
                    } else {
                        reliesOn = Math.max(reliesOn, store.unflushed().ticket(d));
                    }
                }
                long freshBytes = 0;
                long inlineBytes = 0;
                for (Entry e : batchEntries) {
                    byte[] key = e.digest().bytes();
                    if (e.inline()) {
                        // Kept in its index entry: nothing to decide, count or share (StoreLayout).
                        batch.put(
                                store.index,
                                IndexEntry.key(id, e.offset()),
                                IndexEntry.inlineValue(key, e.bytes(), 0, e.length(), e.checksum()));
                        inlineBytes += e.length();
                        continue;
                    }
                    if (e.bytes() != null && elsewhere.contains(e.digest())) {
                        // Every entry of it, not only the first: a count written now would let the next round
                        // take the chunk as stored when the other batch failed.
                        deferred.add(e);
                        continue;
                    }
                    boolean firstReference = false;
                    // A digest's first entry in the batch stores it (or repairs it); any later one only counts.
                    if (e.bytes() != null && toDecide.remove(e.digest())) {
                        if (fresh.contains(e.digest())) {
                            firstReference = true;
                            if (logless) {
                                bytes.put(store.chunks, key, e.bytes());
                                freshList.add(e.digest());
                            } else {
                                batch.put(store.chunks, key, e.bytes());
                            }
                            freshBytes += e.length();
                        } else if (store.repairing() && PendingObject.damaged(store, key)) {
                            batch.put(store.chunks, key, e.bytes());
                            store.chunkRepaired();
                        }
                    }
                    if (firstReference) {
                        // The chunk has no count (decided just now, staged): a put of 1 is the merge's result
                        // without its cost, a memtable walk over the key's merge operands (max_successive_merges).
                        batch.put(store.refs, key, Count.PLUS_ONE);
                    } else {
                        batch.merge(store.refs, key, Count.PLUS_ONE);
                    }
                    batch.put(
                            store.index,
                            IndexEntry.key(id, e.offset()),
                            IndexEntry.value(key, e.length(), e.checksum()));
                }
                // One count per batch, not per chunk: thousands of merge operands on two keys cost every write
                // and every read of the counters until compacted.
                if (!fresh.isEmpty()) {
                    batch.merge(store.counters, Counter.CHUNKS.key(), Count.encode(fresh.size()));
                }
                if (freshBytes + inlineBytes > 0) {
                    batch.merge(store.counters, Counter.CHUNK_BYTES.key(), Count.encode(freshBytes + inlineBytes));
                }
                if (!pendingWritten) {
                    batch.put(
                            store.pending,
                            StoreLayout.Pending.key(id),
                            StoreLayout.Pending.value(System.currentTimeMillis()));
                }
                if (batch.count() > 0) {
                    store.db().write(store.unsynced, batch);
                }
                if (!freshList.isEmpty()) {
                    // After the counts and references (in the log), before the chunks leave the stage. Should the
                    // log-less write fail (a failing store), the bytes go through the log instead, before any other
                    // writer may find the references without the bytes.
                    try {
                        store.db().write(store.logless(), bytes);
                    } catch (RocksDBException e) {
                        store.db().write(store.unsynced, bytes);
                    }
                    reliesOn = Math.max(reliesOn, store.unflushed().written(freshList));
                }
                return null;
            });
            pendingWritten = true;
        } finally {
            for (Sha256 d : staged) {
                inFlight.release(d, written);
            }
            written.complete(null);
        }
        return deferred;
    }

    /** Drops what is buffered, unwritten (an abort): the stored chunks it pinned are let go. */
    void drop() {
        unpinStored();
    }

    private void unpinStored() {
        for (Entry e : entries) {
            if (e.bytes() == null) {
                store.inFlight().unpin(e.digest());
            }
        }
        entries.clear();
        bufferedBytes = 0;
    }
}
