package dev.ferry.storage;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.rocksdb.RocksDBException;

/**
 * The group sync of {@link Durability#GROUPED} commits: the first such commit after a sync wakes this thread, which
 * waits {@link #INTERVAL} for more to gather, then syncs the log once for all of them. Why: a synced commit cost a
 * cold .mod or .info miss about a third of its time inside ferry (bench/cold), and a mirrored file can always be
 * fetched again.
 */
final class WalSync implements AutoCloseable {
    /** How long a grouped commit may stay in the operating system's cache only: what a power cut can take back. */
    static final Duration INTERVAL = Duration.ofMillis(20);

    private static final System.Logger LOG = System.getLogger(WalSync.class.getName());

    private final RocksHandles rocks;
    private final Thread thread;
    private volatile boolean dirty;
    private volatile boolean closed;
    private volatile StoreEvents events = StoreEvents.NONE;

    WalSync(RocksHandles rocks) {
        this.rocks = rocks;
        this.thread = Thread.ofPlatform().daemon().name("ferry-wal-sync").unstarted(this::run);
        thread.start();
    }

    /** After a grouped commit's write returned: the log holds it unsynced. */
    void written() {
        if (!dirty) {
            dirty = true;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        while (!closed) {
            if (!dirty) {
                LockSupport.park(this);
                continue;
            }
            LockSupport.parkNanos(this, INTERVAL.toNanos());
            dirty = false; // cleared before the sync: a commit written during it is synced next time
            sync();
        }
    }

    void events(StoreEvents events) {
        this.events = events;
    }

    private void sync() {
        try {
            long start = System.nanoTime();
            rocks.db.syncWal();
            events.logSynced(System.nanoTime() - start);
        } catch (RocksDBException e) {
            // The next grouped commit tries again; the close syncs too. Nothing acknowledged as synced depends on it.
            LOG.log(System.Logger.Level.WARNING, "syncing the store's log failed: " + e.getMessage());
            dirty = true;
        }
    }

    /** Stops the thread; the store's close syncs the log itself afterwards. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(INTERVAL.toMillis() * 10 + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
