package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Count;
import dev.ferry.storage.StoreLayout.Counter;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Deletes objects ({@link StoreMaintenance#delete}, and each object the {@link Evictor} picks). A delete is one
 * synced batch built under the commit lock, so the pin check, the names found through {@code name_refs} and the
 * access entry are exactly what is committed: it drops the object's record, names, pins and access pair, adjusts
 * the counters and writes {@code pending/<id>}. The object's chunks then go back through the {@link Reclaimer} like
 * an aborted write's: at once, or, while reads still stream the object, when the last of them ends
 * ({@link ObjectReaders}); {@code pending/<id>} makes the next open finish it if the process stops first.
 */
final class Deleter {
    /** What a delete did; {@code deferred}: chunks freed when the last open read of the object ends. */
    record Deleted(boolean deleted, boolean pinned, boolean deferred, long size) {
        static final Deleted ABSENT = new Deleted(false, false, false, 0);
        static final Deleted PINNED = new Deleted(false, true, false, 0);
    }

    private final RocksContentStore store;
    private final Commits commits;
    private final ObjectReaders readers;
    private final Reclaimer reclaimer;
    private final AccessTimes access;
    private final Executor background;
    private final Clock clock;

    Deleter(
            RocksContentStore store,
            Commits commits,
            ObjectReaders readers,
            Reclaimer reclaimer,
            AccessTimes access,
            Executor background,
            Clock clock) {
        this.store = store;
        this.commits = commits;
        this.readers = readers;
        this.reclaimer = reclaimer;
        this.access = access;
        this.background = background;
        this.clock = clock;
    }

    /** {@link StoreMaintenance#delete}. */
    boolean delete(Sha256 object, boolean force) throws IOException {
        Deleted outcome = delete(object, force, false);
        if (outcome.pinned()) {
            throw new ObjectPinnedException(object);
        }
        return outcome.deleted();
    }

    /** {@link StoreMaintenance#deleteIfUnreferenced}. */
    boolean deleteIfUnreferenced(Sha256 object) throws IOException {
        return delete(object, false, false, true).deleted();
    }

    /** Deletes one object; {@code evicting} also counts it as evicted. */
    Deleted delete(Sha256 digest, boolean force, boolean evicting) throws IOException {
        return delete(digest, force, evicting, false);
    }

    /** {@code unnamedOnly}: refused (as pinned) when a name points at the object. */
    private Deleted delete(Sha256 digest, boolean force, boolean evicting, boolean unnamedOnly) throws IOException {
        Deleted[] refused = {null};
        ObjectRecord[] found = {null};
        boolean written = store.withDb(() -> commits.commit(
                (batch, touched) -> {
                    String objectKey = CommitsInFlight.object(digest);
                    // Commits naming or pinning this object touch its key: wait, so their names and pins are seen.
                    commits.awaitQuiet(objectKey);
                    byte[] value = store.db().get(store.objects, ObjectRecord.key(digest));
                    if (value == null) {
                        refused[0] = Deleted.ABSENT;
                        return false;
                    }
                    found[0] = ObjectRecord.decode(value);
                    List<String> sets = store.pinSetsOf(digest);
                    if (!sets.isEmpty() && !force || unnamedOnly && named(digest)) {
                        refused[0] = Deleted.PINNED;
                        return false;
                    }
                    touched.add(objectKey);
                    dropRecord(batch, digest, found[0], evicting);
                    dropPins(batch, digest, sets, found[0].size());
                    dropNames(batch, digest, touched);
                    access.delete(batch, digest);
                    return true;
                },
                () -> {}));
        if (!written) {
            return refused[0];
        }
        store.forgetRecord(digest);
        ObjectRecord record = found[0];
        boolean deferred = false;
        if (record.id() != 0) {
            if (readers.retire(record.id())) {
                reclaimer.reclaim(record.id());
            } else {
                deferred = true;
            }
        }
        return new Deleted(true, false, deferred, record.size());
    }

    /** The object record, its counts, and {@code pending/<id>} for the reclaim of its chunks. */
    private void dropRecord(WriteBatch batch, Sha256 digest, ObjectRecord record, boolean evicting)
            throws RocksDBException {
        long size = record.size();
        batch.delete(store.objects, ObjectRecord.key(digest));
        if (record.id() != 0) {
            batch.put(store.pending, StoreLayout.Pending.key(record.id()), StoreLayout.Pending.value(clock.millis()));
        }
        batch.merge(store.counters, Counter.OBJECTS.key(), Count.MINUS_ONE);
        batch.merge(store.counters, Counter.OBJECT_BYTES.key(), Count.encode(-size));
        if (evicting) {
            batch.merge(store.counters, Counter.EVICTED_OBJECTS.key(), Count.PLUS_ONE);
            batch.merge(store.counters, Counter.EVICTED_BYTES.key(), Count.encode(size));
        }
    }

    /** Both keys of each pin (a forced delete), and the pinned counts. */
    private void dropPins(WriteBatch batch, Sha256 digest, List<String> sets, long size) throws RocksDBException {
        for (String set : sets) {
            batch.delete(store.pins, StoreLayout.Pin.key(digest, set));
            batch.delete(store.pinSets, StoreLayout.Pin.setKey(set, digest));
        }
        if (!sets.isEmpty()) {
            batch.merge(store.counters, Counter.PINNED_OBJECTS.key(), Count.MINUS_ONE);
            batch.merge(store.counters, Counter.PINNED_BYTES.key(), Count.encode(-size));
        }
    }

    /** Whether a name points at the object (through name_refs, checked against names). */
    private boolean named(Sha256 digest) throws RocksDBException {
        byte[] prefix = StoreLayout.NameRef.prefix(digest);
        try (RocksIterator it = store.db().newIterator(store.nameRefs)) {
            for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                String name = StoreLayout.NameRef.nameOf(it.key());
                commits.awaitQuiet(CommitsInFlight.name(name));
                byte[] target = store.db().get(store.names, StoreLayout.Name.key(name));
                if (target != null && Arrays.equals(target, digest.bytes())) {
                    return true;
                }
            }
            it.status();
        }
        return false;
    }

    /** Every name pointing at the object (found through name_refs, each re-checked against names). */
    private void dropNames(WriteBatch batch, Sha256 digest, List<String> touched) throws RocksDBException {
        byte[] prefix = StoreLayout.NameRef.prefix(digest);
        try (RocksIterator it = store.db().newIterator(store.nameRefs)) {
            for (it.seek(prefix); it.isValid() && RocksContentStore.startsWith(it.key(), prefix); it.next()) {
                String name = StoreLayout.NameRef.nameOf(it.key());
                String nameKey = CommitsInFlight.name(name);
                commits.awaitQuiet(nameKey);
                touched.add(nameKey);
                byte[] target = store.db().get(store.names, StoreLayout.Name.key(name));
                if (target != null && Arrays.equals(target, digest.bytes())) {
                    batch.delete(store.names, StoreLayout.Name.key(name));
                }
                batch.delete(store.nameRefs, it.key());
            }
            it.status();
        }
    }

    /** A read of object {@code id} ended; frees the chunks of a deleted object when it was the last. */
    void readEnded(long id) {
        if (readers.close(id)) {
            try {
                background.execute(() -> {
                    try {
                        reclaimer.reclaim(id);
                    } catch (IOException e) {
                        // closing: pending/<id> stays and the next open reclaims it
                    }
                });
            } catch (RejectedExecutionException e) {
                // closing: the same
            }
        }
    }
}
