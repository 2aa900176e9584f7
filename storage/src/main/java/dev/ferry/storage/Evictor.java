package dev.ferry.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksIterator;

/**
 * Deletes least recently used unpinned objects until the store is small enough: on demand ({@link #evict}) and,
 * with a quota, in the background when a commit pushes the store past it ({@link #commitDone}).
 *
 * <p>Walks {@code access_by_time} from the oldest minute in pages, re-seeking after each page, so no iterator or
 * lock is held while it deletes and memory stays one page. Each object goes through the ordinary delete
 * ({@link Deleter}: under the commit lock, one batch, pins checked in the same critical section), and its chunks
 * through the reclaimer, so concurrent writers and readers are safe the same way as for any delete. One run at a
 * time.
 */
final class Evictor {
    private static final int PAGE = 256;

    private final RocksContentStore store;
    private final Deleter deleter;
    private final long quota;
    private final long lowWatermarkBytes;
    private final Executor background;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Evictor(RocksContentStore store, Deleter deleter, StoreOptions options, Executor background) {
        this.store = store;
        this.deleter = deleter;
        this.quota = options.quotaBytes();
        this.lowWatermarkBytes = (long) (options.quotaBytes() * options.lowWatermark());
        this.background = background;
    }

    /** Whether a quota is set (else {@link #commitDone} has nothing to do). */
    boolean hasQuota() {
        return quota > 0;
    }

    /** After a commit: schedules one background run when the store is over quota and none is queued already. */
    void commitDone(long sizeNow) {
        if (quota > 0 && sizeNow > quota && scheduled.compareAndSet(false, true)) {
            background.execute(() -> {
                scheduled.set(false);
                try {
                    if (store.size() > quota) {
                        long t0 = System.nanoTime();
                        EvictionReport r = evict(lowWatermarkBytes);
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        System.getLogger("ferry.storage")
                                .log(
                                        System.Logger.Level.INFO,
                                        "evicted " + r.evictedObjects()
                                                + " objects (" + r.evictedBytes() + " bytes) in " + ms + " ms: size "
                                                + r.sizeBefore()
                                                + " -> " + r.sizeAfter() + " bytes (quota " + quota + ", target "
                                                + r.targetBytes()
                                                + "), " + r.skippedPinned() + " pinned passed over"
                                                + (r.reachedTarget() ? "" : "; nothing unpinned is left to evict"));
                    }
                } catch (IOException | RuntimeException e) {
                    System.getLogger("ferry.storage")
                            .log(
                                    System.Logger.Level.WARNING,
                                    "eviction to the quota failed (retried at the next commit): " + e);
                }
            });
        }
    }

    synchronized EvictionReport evict(long target) throws IOException {
        store.flushAccess(); // uses still in memory count: a hot object must not look old
        long before = store.size();
        long evicted = 0;
        long evictedBytes = 0;
        long pinned = 0;
        long deferred = 0;
        // Objects deleted while reads stream them free their chunks only when those reads end: counted as freed
        // (their size, an upper bound when they share chunks) so that a busy store does not evict everything
        // while waiting for slow downloads. A later commit queues another run if this fell short.
        long deferredBytes = 0;
        byte[] after = null;
        while (store.size() - deferredBytes > target && !store.isClosing()) {
            List<byte[]> page = page(after);
            if (page.isEmpty()) {
                break;
            }
            for (byte[] timeKey : page) {
                if (store.size() - deferredBytes <= target) {
                    break;
                }
                Sha256 object = StoreLayout.Access.objectOf(timeKey);
                if (store.isPinned(object)) {
                    pinned++;
                    continue;
                }
                Deleter.Deleted outcome = deleter.delete(object, false, true);
                if (outcome.deleted()) {
                    evicted++;
                    evictedBytes += outcome.size();
                    if (outcome.deferred()) {
                        deferred++;
                        deferredBytes += outcome.size();
                    }
                } else if (outcome.pinned()) {
                    pinned++; // pinned between the check and the delete
                }
            }
            after = page.get(page.size() - 1);
        }
        long now = store.size();
        return new EvictionReport(
                target, before, now, evicted, evictedBytes, pinned, deferred, now - deferredBytes <= target);
    }

    private List<byte[]> page(byte[] after) throws IOException {
        return store.withDb(() -> {
            List<byte[]> keys = new ArrayList<>(PAGE);
            try (RocksIterator it = store.db().newIterator(store.accessByTime)) {
                if (after == null) {
                    it.seekToFirst();
                } else {
                    it.seek(after);
                    if (it.isValid() && Arrays.equals(it.key(), after)) {
                        it.next();
                    }
                }
                for (; it.isValid() && keys.size() < PAGE; it.next()) {
                    keys.add(it.key());
                }
                it.status();
            }
            return keys;
        });
    }
}
