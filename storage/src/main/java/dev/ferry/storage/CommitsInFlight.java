package dev.ferry.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys written by commits that have left the commit lock but whose synced write has not returned yet.
 *
 * <p>Why: holding the commit lock across the synced write made every commit pay a whole fsync on its own
 * (~250 commits/s on these disks). Outside the lock, concurrent synced writes join one RocksDB write group and
 * share an fsync. What the lock still guarantees (check-then-put, and that a later commit's change to a key lands
 * after an earlier one's) is kept by making a commit that reads or writes a key still in flight wait, under the
 * lock, until that write has returned. Visibility: a key becomes readable when its write returns; for a synced
 * commit nothing is visible before it is durable. A {@link Durability#GROUPED} commit is visible before its log
 * sync, and a later synced write that relies on it syncs the log through it first (the log is written in order).
 */
final class CommitsInFlight {
    private final ConcurrentHashMap<String, CompletableFuture<Void>> writing = new ConcurrentHashMap<>();

    static String name(String name) {
        return "n" + name;
    }

    static String meta(String key) {
        return "m" + key;
    }

    static String object(Sha256 digest) {
        return "o" + digest.hex();
    }

    /** Under the commit lock: returns once no commit in flight writes {@code key} (its outcome does not matter). */
    void awaitQuiet(String key) {
        CompletableFuture<Void> write = writing.get(key);
        if (write != null) {
            write.exceptionally(e -> null).join();
        }
    }

    /** Under the commit lock, after the batch is built: its keys are now in flight until {@link #done}. */
    void begin(List<String> keys, CompletableFuture<Void> write) {
        for (String key : keys) {
            writing.put(key, write);
        }
    }

    /** After the synced write returned or failed. */
    void done(List<String> keys, CompletableFuture<Void> write) {
        for (String key : keys) {
            writing.remove(key, write);
        }
        write.complete(null);
    }
}
