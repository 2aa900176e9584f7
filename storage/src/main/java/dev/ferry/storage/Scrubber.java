package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.IndexEntry;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Recomputes every reference count from the index and compares; memory grows with the number of chunks. Also checks
 * that each lifecycle pair agrees with itself and with the objects: name_refs with names, pin_sets with pins (and
 * pins only on stored objects, the pinned counters exact), access_by_time with access (one entry per object).
 */
final class Scrubber {
    private final RocksContentStore store;
    /** Object id -> size, for objects with an index. */
    private final Map<Long, Long> objectSizes = new HashMap<>();

    private final Set<Sha256> objectDigests = new HashSet<>();
    private final Set<Long> pendingIds = new HashSet<>();
    /** Chunk -> the index entries that point at it: what its reference count must be. */
    private final Map<Sha256, Long> expected = new HashMap<>();

    private long brokenObjects;
    private long dangling;
    private long mismatches;
    private long missing;
    private long unreferenced;
    private long chunks;
    /** Inline chunks whose bytes no longer hash to their digest. */
    private long damagedInline;

    private final MessageDigest sha256 = RocksObjectWriter.sha256();

    /** One scrub: {@link #run} once. */
    Scrubber(RocksContentStore store) {
        this.store = store;
    }

    ScrubReport run() throws RocksDBException {
        readObjects();
        readPending();
        readIndex();
        checkCounts();
        checkChunks();
        long danglingNames = danglingNames();
        return new ScrubReport(
                objectDigests.size(),
                chunks,
                pendingIds.size(),
                unreferenced,
                mismatches,
                missing + damagedInline,
                dangling,
                brokenObjects,
                danglingNames,
                nameRefMismatches(),
                pinMismatches(objectDigests),
                accessMismatches(objectDigests));
    }

    /** Object records; a record without index (id 0) must be of the empty object. */
    private void readObjects() {
        try (RocksIterator it = store.db().newIterator(store.objects)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ObjectRecord record = ObjectRecord.decode(it.value());
                objectDigests.add(Sha256.of(it.key()));
                if (record.soleInline() != null
                        && !Arrays.equals(sha256.digest(record.soleInline()), record.soleChunk())) {
                    damagedInline++;
                }
                if (record.id() != 0) {
                    objectSizes.put(record.id(), record.size());
                } else if (record.size() != 0) {
                    brokenObjects++;
                }
            }
        }
    }

    private void readPending() {
        try (RocksIterator it = store.db().newIterator(store.pending)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                pendingIds.add(StoreLayout.Pending.idOf(it.key()));
            }
        }
    }

    /**
     * Index entries: each must belong to an object or a pending write and the entries of an object must tile it;
     * counts what every chunk's reference count should be.
     */
    private void readIndex() {
        Map<Long, Long> indexedBytes = new HashMap<>();
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
                if (entry.inline() == null) {
                    expected.merge(Sha256.of(entry.chunk()), 1L, Long::sum);
                } else if (!Arrays.equals(sha256.digest(entry.inline()), entry.chunk())) {
                    damagedInline++; // its object reads as damaged; ferry verify --repair deletes it
                }
            }
        }
        for (Map.Entry<Long, Long> object : objectSizes.entrySet()) {
            if (!object.getValue().equals(indexedBytes.getOrDefault(object.getKey(), 0L))) {
                brokenObjects++;
            }
        }
    }

    /** Reference counts against the index, and a chunk for every count; consumes {@link #expected}. */
    private void checkCounts() throws RocksDBException {
        try (RocksIterator it = store.db().newIterator(store.refs)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
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
    }

    /** Stored chunks, and those without a reference count. */
    private void checkChunks() throws RocksDBException {
        try (RocksIterator it = store.db().newIterator(store.chunks)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                chunks++;
                if (store.db().get(store.refs, it.key()) == null) {
                    unreferenced++;
                }
            }
        }
    }

    /** Names pointing at no stored object. */
    private long danglingNames() {
        long bad = 0;
        try (RocksIterator it = store.db().newIterator(store.names)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (!objectDigests.contains(Sha256.of(it.value()))) {
                    bad++;
                }
            }
        }
        return bad;
    }

    /** names without their name_refs entry, plus name_refs entries whose name points elsewhere. */
    private long nameRefMismatches() throws RocksDBException {
        long bad = 0;
        try (RocksIterator it = store.db().newIterator(store.names)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] ref = StoreLayout.NameRef.key(
                        StoreLayout.Name.decode(it.value()), StoreLayout.Meta.decodeKey(it.key()));
                if (store.db().get(store.nameRefs, ref) == null) {
                    bad++;
                }
            }
        }
        try (RocksIterator it = store.db().newIterator(store.nameRefs)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] target = store.db().get(store.names, StoreLayout.Name.key(StoreLayout.NameRef.nameOf(it.key())));
                if (target == null || !Sha256.of(target).equals(StoreLayout.NameRef.objectOf(it.key()))) {
                    bad++;
                }
            }
        }
        return bad;
    }

    /** Pins of objects not stored, pins and pin_sets entries without their mirror, and a wrong pinned counter. */
    private long pinMismatches(Set<Sha256> objects) throws RocksDBException {
        long bad = 0;
        Map<Sha256, Long> pinned = new HashMap<>();
        try (RocksIterator it = store.db().newIterator(store.pins)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                Sha256 object = StoreLayout.Pin.objectOf(it.key());
                String set = StoreLayout.Pin.setOf(it.key());
                if (!objects.contains(object)) {
                    bad++;
                }
                if (store.db().get(store.pinSets, StoreLayout.Pin.setKey(set, object)) == null) {
                    bad++;
                }
                pinned.merge(object, 1L, Long::sum);
            }
        }
        try (RocksIterator it = store.db().newIterator(store.pinSets)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                Sha256 object = StoreLayout.Pin.objectOfSetKey(it.key());
                String set = StoreLayout.Pin.setOfSetKey(it.key());
                if (store.db().get(store.pins, StoreLayout.Pin.key(object, set)) == null) {
                    bad++;
                }
            }
        }
        long bytes = 0;
        for (Sha256 object : pinned.keySet()) {
            byte[] record = store.db().get(store.objects, ObjectRecord.key(object));
            bytes += record == null ? 0 : ObjectRecord.decode(record).size();
        }
        if (pinned.size() != counter(Counter.PINNED_OBJECTS) || bytes != counter(Counter.PINNED_BYTES)) {
            bad++;
        }
        return bad;
    }

    /** Objects without an access entry, entries of objects not stored, and access/access_by_time disagreeing. */
    private long accessMismatches(Set<Sha256> objects) throws RocksDBException {
        long bad = 0;
        long entries = 0;
        try (RocksIterator it = store.db().newIterator(store.access)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                entries++;
                Sha256 object = Sha256.of(it.key());
                if (!objects.contains(object)) {
                    bad++;
                }
                long minute = StoreLayout.Access.decode(it.value());
                if (store.db().get(store.accessByTime, StoreLayout.Access.timeKey(minute, object)) == null) {
                    bad++;
                }
            }
        }
        long timeEntries = 0;
        try (RocksIterator it = store.db().newIterator(store.accessByTime)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                timeEntries++;
            }
        }
        bad += Math.abs(timeEntries - entries); // extra time keys: stale minutes of some object
        for (Sha256 object : objects) {
            if (store.db().get(store.access, StoreLayout.Access.key(object)) == null) {
                bad++;
            }
        }
        return bad;
    }

    private long counter(Counter c) throws RocksDBException {
        return Count.decode(store.db().get(store.counters, c.key()));
    }
}
