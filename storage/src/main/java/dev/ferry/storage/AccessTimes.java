package dev.ferry.storage;

import dev.ferry.storage.StoreLayout.Access;
import dev.ferry.storage.StoreLayout.ObjectRecord;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * When each object was last used, for least-recently-used eviction: the {@code access} and {@code access_by_time}
 * families, always written as a pair. Uses are collected in memory ({@link AccessTracker}) and written here in one
 * unsynced batch per flush (every {@link StoreOptions#accessFlushInterval} on the background thread, early when the
 * tracker fills, before an eviction and at close); a fresh commit writes its object's first minute in its own batch,
 * and a delete drops the pair in its.
 */
final class AccessTimes {
    private final RocksContentStore store;
    private final Commits commits;
    private final ScheduledExecutorService background;
    private final AccessTracker tracker;
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    AccessTimes(RocksContentStore store, Commits commits, StoreOptions options, ScheduledExecutorService background) {
        this.store = store;
        this.commits = commits;
        this.background = background;
        this.tracker = new AccessTracker(options.clock(), options.accessTrackedMax(), this::write, this::flushSoon);
    }

    /** Starts the periodic flush on the background thread. */
    void start(StoreOptions options) {
        long every = Math.max(1, options.accessFlushInterval().toMillis());
        var unused = background.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    long minuteNow() {
        return tracker.minuteNow();
    }

    /** A read, lookup or repeated store of {@code object}: a map put, written at the next flush. */
    void used(Sha256 object) {
        tracker.used(object);
    }

    /** Writes the uses collected in memory now; returns how many. */
    int flush() throws IOException {
        return tracker.flush();
    }

    /** A flush whose failure only costs those uses (they make their objects look older); logged unless closing. */
    void flushQuietly() {
        try {
            tracker.flush();
        } catch (IOException | RuntimeException e) {
            if (!store.isClosing()) {
                System.getLogger("ferry.storage")
                        .log(
                                System.Logger.Level.WARNING,
                                "writing access times failed (those uses are forgotten): " + e);
            }
        }
    }

    private void flushSoon() {
        if (flushQueued.compareAndSet(false, true)) {
            try {
                background.execute(() -> {
                    flushQueued.set(false);
                    flushQuietly();
                });
            } catch (RejectedExecutionException e) {
                flushQueued.set(false);
            }
        }
    }

    /** One flush: unsynced, under the commit lock so a delete never misses an entry. */
    private void write(List<Map.Entry<Sha256, Long>> uses) throws IOException {
        store.withDb(() -> {
            try (WriteBatch batch = new WriteBatch()) {
                commits.underLock(() -> {
                    for (Map.Entry<Sha256, Long> use : uses) {
                        moveForward(batch, use.getKey(), use.getValue());
                    }
                    store.db().write(store.unsynced, batch);
                });
            }
            return null;
        });
    }

    /** Records {@code minute} for a stored object unless its stored minute is as recent. */
    private void moveForward(WriteBatch batch, Sha256 object, long minute) throws RocksDBException {
        commits.awaitQuiet(CommitsInFlight.object(object));
        if (store.db().get(store.objects, ObjectRecord.key(object)) == null) {
            return; // deleted since it was read
        }
        byte[] old = store.db().get(store.access, Access.key(object));
        if (old != null) {
            long before = Access.decode(old);
            if (before >= minute) {
                return;
            }
            batch.delete(store.accessByTime, Access.timeKey(before, object));
        }
        put(batch, object, minute);
    }

    /** Adds {@code object}'s last use to {@code batch}, both keys of the pair. */
    void put(WriteBatch batch, Sha256 object, long minute) throws RocksDBException {
        batch.put(store.access, Access.key(object), Access.value(minute));
        batch.put(store.accessByTime, Access.timeKey(minute, object), new byte[0]);
    }

    /** Adds the removal of {@code object}'s pair to a delete's {@code batch}; under the commit lock. */
    void delete(WriteBatch batch, Sha256 object) throws RocksDBException {
        byte[] used = store.db().get(store.access, Access.key(object));
        if (used != null) {
            batch.delete(store.accessByTime, Access.timeKey(Access.decode(used), object));
            batch.delete(store.access, Access.key(object));
        }
    }

    /** When {@code object} was last used as far as the store knows on disk, as an epoch minute. */
    Optional<Long> lastUsedMinute(Sha256 object) {
        return store.query(() -> Optional.ofNullable(store.db().get(store.access, Access.key(object)))
                .map(Access::decode));
    }
}
