package dev.ferry.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The commit lock, and the one way a batch that must see the latest committed state is written: an object's commit,
 * {@link NameStore#update} and a delete each build their batch under the lock and write it after releasing it
 * (synced, or for a {@link Durability#GROUPED} commit unsynced with a {@link WalSync} soon after), the keys the batch
 * relies on marked in flight meanwhile ({@link CommitsInFlight} says why).
 */
final class Commits {
    /** Fills a batch under the commit lock. */
    interface Build {
        /**
         * Adds the changes to {@code batch} and the keys they rely on to {@code touched} (waiting first, through
         * {@link #awaitQuiet}, for commits still writing them); false to write nothing.
         */
        boolean build(WriteBatch batch, List<String> touched) throws RocksDBException, IOException;
    }

    /** Runs under the commit lock. */
    interface Locked {
        void run() throws RocksDBException, IOException;
    }

    private final RocksHandles rocks;
    private final ReentrantLock lock = new ReentrantLock();
    private final CommitsInFlight inFlight = new CommitsInFlight();
    private final WalSync walSync;
    private volatile StoreEvents events = StoreEvents.NONE;

    Commits(RocksHandles rocks) {
        this.rocks = rocks;
        this.walSync = new WalSync(rocks);
    }

    /** As {@link #commit(Build, Runnable, Durability)}, synced. */
    boolean commit(Build build, Runnable written) throws RocksDBException, IOException {
        return commit(build, written, Durability.SYNCED);
    }

    /**
     * Builds a batch under the lock and writes it once the lock is released (synced, or grouped: see
     * {@link Durability}); {@code written} runs after the write returned and before its keys leave the in-flight set,
     * so whatever it publishes (a cached object record) is in place before a commit waiting for those keys goes on.
     * Returns false when {@code build} wrote nothing.
     */
    boolean commit(Build build, Runnable written, Durability durability) throws RocksDBException, IOException {
        long start = System.nanoTime();
        List<String> touched = new ArrayList<>();
        CompletableFuture<Void> write = new CompletableFuture<>();
        try (WriteBatch batch = new WriteBatch()) {
            lock.lock();
            try {
                if (!build.build(batch, touched)) {
                    return false;
                }
                inFlight.begin(touched, write);
            } finally {
                lock.unlock();
            }
            try {
                if (durability == Durability.SYNCED) {
                    rocks.db.write(rocks.synced, batch);
                } else {
                    rocks.db.write(rocks.unsynced, batch);
                    walSync.written();
                }
                written.run();
            } finally {
                inFlight.done(touched, write);
            }
        }
        events.committed(durability, System.nanoTime() - start);
        return true;
    }

    /** Reports every later commit and group sync to {@code events}. */
    void events(StoreEvents events) {
        this.events = events;
        walSync.events(events);
    }

    /** Stops the group sync (before the store's close syncs the log itself). */
    void close() {
        walSync.close();
    }

    /** Runs {@code body} under the commit lock (a write that is not a commit, such as access times). */
    void underLock(Locked body) throws RocksDBException, IOException {
        lock.lock();
        try {
            body.run();
        } finally {
            lock.unlock();
        }
    }

    /** Under the commit lock: returns once no commit in flight writes {@code key}. */
    void awaitQuiet(String key) {
        inFlight.awaitQuiet(key);
    }

    /** A batch over the store's names, metadata and pins, for {@link #commit}'s build. */
    RocksStoreBatch storeBatch(
            RocksContentStore store, WriteBatch batch, StoredObject committing, List<String> touched) {
        return new RocksStoreBatch(store, batch, committing, inFlight, touched);
    }
}
