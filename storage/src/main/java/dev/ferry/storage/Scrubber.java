package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/** Recomputes every reference count from the index and compares; memory grows with the number of chunks. */
final class Scrubber {
    private final RocksContentStore store;

    Scrubber(RocksContentStore store) {
        this.store = store;
    }

    ScrubReport run() throws RocksDBException {
        Map<Long, Long> objectSizes = new HashMap<>();
        Set<Sha256> objectDigests = new HashSet<>();
        long brokenObjects = 0;
        try (RocksIterator it = store.db().newIterator(store.objects)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ObjectRecord record = ObjectRecord.decode(it.value());
                objectDigests.add(Sha256.of(it.key()));
                if (record.id() != 0) {
                    objectSizes.put(record.id(), record.size());
                } else if (record.size() != 0) {
                    brokenObjects++;
                }
            }
        }
        Set<Long> pendingIds = new HashSet<>();
        try (RocksIterator it = store.db().newIterator(store.pending)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                pendingIds.add(StoreLayout.Pending.idOf(it.key()));
            }
        }
        Map<Sha256, Long> expected = new HashMap<>();
        Map<Long, Long> indexedBytes = new HashMap<>();
        long dangling = 0;
        try (RocksIterator it = store.db().newIterator(store.index)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                IndexEntry entry = IndexEntry.decode(it.key(), it.value());
                if (!objectSizes.containsKey(entry.id()) && !pendingIds.contains(entry.id())) {
                    dangling++;
                    continue;
                }
                Long before = indexedBytes.getOrDefault(entry.id(), 0L);
                // Entries must tile the object: each starts where the previous ended.
                indexedBytes.put(entry.id(), before == entry.offset() ? entry.end() : -1L);
                expected.merge(Sha256.of(entry.chunk()), 1L, Long::sum);
            }
        }
        for (Map.Entry<Long, Long> object : objectSizes.entrySet()) {
            if (!object.getValue().equals(indexedBytes.getOrDefault(object.getKey(), 0L))) {
                brokenObjects++;
            }
        }
        long mismatches = 0;
        long missing = 0;
        long unreferenced = 0;
        long refKeys = 0;
        try (RocksIterator it = store.db().newIterator(store.refs)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                refKeys++;
                Sha256 chunk = Sha256.of(it.key());
                long want = expected.getOrDefault(chunk, 0L);
                expected.remove(chunk);
                if (Count.decode(it.value()) != want) {
                    mismatches++;
                }
                if (want == 0) {
                    unreferenced++;
                }
                if (store.db().get(store.chunks, it.key()) == null) {
                    missing++;
                }
            }
        }
        // Referenced from the index but with no count at all: the chunk is gone or was never counted.
        for (Sha256 chunk : expected.keySet()) {
            mismatches++;
            if (store.db().get(store.chunks, chunk.bytes()) == null) {
                missing++;
            }
        }
        long chunks = 0;
        try (RocksIterator it = store.db().newIterator(store.chunks)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                chunks++;
                if (store.db().get(store.refs, it.key()) == null) {
                    unreferenced++;
                }
            }
        }
        long danglingNames = 0;
        try (RocksIterator it = store.db().newIterator(store.names)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (!objectDigests.contains(Sha256.of(it.value()))) {
                    danglingNames++;
                }
            }
        }
        return new ScrubReport(objectDigests.size(), chunks, pendingIds.size(), unreferenced, mismatches, missing,
                dangling, brokenObjects, danglingNames);
    }
}
