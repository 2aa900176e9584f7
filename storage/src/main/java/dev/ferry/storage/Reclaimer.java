package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.IndexEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Gives back the chunk references of a write that will never commit (aborted, lost a dedup race, or interrupted by
 * a crash) and deletes chunks nothing references any more.
 *
 * <p>Each index entry is released in its own batch (drop the entry, decrement or delete the chunk), so a crash
 * half way leaves a state the next reclaim simply continues from. A chunk is deleted only when its count would
 * reach zero and no writer has it pinned; a pinned chunk keeps a zero count for the pinning writer to raise.
 */
final class Reclaimer {
    private static final int PAGE = 1024;

    private final RocksContentStore store;
    private final InFlightChunks inFlight;
    /** A release kept a chunk at count zero for a pin: only the sweep of the next open deletes it. */
    private volatile boolean keptAtZero;

    Reclaimer(RocksContentStore store, InFlightChunks inFlight) {
        this.store = store;
        this.inFlight = inFlight;
    }

    void reclaim(long id) throws IOException {
        byte[] prefix = IndexEntry.idPrefix(id);
        while (true) {
            List<IndexEntry> page = store.withDb(() -> page(prefix));
            if (page.isEmpty()) {
                break;
            }
            for (IndexEntry entry : page) {
                release(entry);
            }
        }
        store.withDb(() -> {
            store.db().delete(store.pending, StoreLayout.Pending.key(id));
            return null;
        });
    }

    /**
     * At open, before any writer exists: reclaim every pending write, then sweep counts a crash left at zero.
     * Returns how many interrupted writes there were.
     */
    boolean keptAtZero() {
        return keptAtZero;
    }

    /**
     * Reclaims every write left pending, then, with {@code sweep}, deletes the chunks a crash left at count zero
     * (a read of every count: the caller skips it after a clean close, which leaves none).
     */
    int reclaimInterrupted(boolean sweep) throws IOException {
        List<Long> ids = store.withDb(() -> {
            List<Long> found = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator(store.pending)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    found.add(StoreLayout.Pending.idOf(it.key()));
                }
                it.status();
            }
            return found;
        });
        for (long id : ids) {
            reclaim(id);
        }
        if (!sweep) {
            return ids.size();
        }
        store.withDb(() -> {
            List<byte[]> zero = new ArrayList<>();
            try (RocksIterator it = store.db().newIterator(store.refs)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    if (Count.decode(it.value()) <= 0) {
                        zero.add(it.key());
                    }
                }
                it.status();
            }
            for (byte[] chunk : zero) {
                byte[] bytes = store.db().get(store.chunks, chunk);
                try (WriteBatch batch = new WriteBatch()) {
                    deleteChunk(batch, chunk, bytes == null ? 0 : bytes.length, bytes != null);
                    store.db().write(store.unsynced, batch);
                }
            }
            return null;
        });
        return ids.size();
    }

    private List<IndexEntry> page(byte[] prefix) throws RocksDBException {
        List<IndexEntry> entries = new ArrayList<>();
        try (RocksIterator it = store.db().newIterator(store.index)) {
            for (it.seek(prefix); it.isValid() && entries.size() < PAGE; it.next()) {
                byte[] key = it.key();
                if (!RocksContentStore.startsWith(key, prefix)) {
                    break;
                }
                entries.add(IndexEntry.decode(key, it.value()));
            }
            it.status();
        }
        return entries;
    }

    private void release(IndexEntry entry) throws IOException {
        if (entry.inline() != null) {
            // Its bytes go with the entry; no other object shares it, so no lock and no count.
            store.withDb(() -> {
                try (WriteBatch batch = new WriteBatch()) {
                    batch.delete(store.index, IndexEntry.key(entry.id(), entry.offset()));
                    batch.merge(store.counters, Counter.CHUNK_BYTES.key(), Count.encode(-entry.length()));
                    store.db().write(store.unsynced, batch);
                }
                return null;
            });
            return;
        }
        Sha256 chunk = Sha256.of(entry.chunk());
        inFlight.whenIdle(
                chunk,
                pinned -> store.withDb(() -> {
                    try (WriteBatch batch = new WriteBatch()) {
                        batch.delete(store.index, IndexEntry.key(entry.id(), entry.offset()));
                        byte[] ref = store.db().get(store.refs, entry.chunk());
                        if (!pinned && Count.decode(ref) <= 1) {
                            deleteChunk(batch, entry.chunk(), entry.length(), ref != null);
                        } else {
                            if (Count.decode(ref) <= 1) {
                                keptAtZero = true;
                            }
                            batch.merge(store.refs, entry.chunk(), Count.MINUS_ONE);
                        }
                        store.db().write(store.unsynced, batch);
                    }
                    return null;
                }));
    }

    private void deleteChunk(WriteBatch batch, byte[] chunk, int length, boolean counted) throws RocksDBException {
        batch.delete(store.chunks, chunk);
        batch.delete(store.refs, chunk);
        if (counted) {
            batch.merge(store.counters, Counter.CHUNKS.key(), Count.MINUS_ONE);
            batch.merge(store.counters, Counter.CHUNK_BYTES.key(), Count.encode(-length));
        }
    }
}
