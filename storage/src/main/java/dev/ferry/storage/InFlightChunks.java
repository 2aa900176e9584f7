package dev.ferry.storage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Chunks a writer in this process is using but whose reference it has not written yet.
 *
 * <p>A writer holds a chunk from asking "is it already stored?" until its reference count increment is in
 * RocksDB ({@link #referencing}); from then on the count protects the chunk. Anything that deletes chunks (abort,
 * reclaim at open, a later GC) must decide under {@link #whenIdle} and must not delete a pinned chunk, or a writer
 * that just saw the chunk exist (and so did not rewrite it) would point at a chunk that is gone.
 *
 * <p>Both run under the chunk's stripe lock, so a writer's check-and-reference and a deleter's
 * check-and-delete never interleave, and two writers of the same new chunk store it once. {@link #pin} is for
 * code that relies on a chunk over a longer span without writing it (a GC marking, a test).
 */
public final class InFlightChunks {
    private static final int STRIPES = 256;

    // ReentrantLock rather than synchronized: a virtual thread blocked on it does not pin its carrier on Java 21.
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final ConcurrentHashMap<Sha256, Integer> pins = new ConcurrentHashMap<>();

    public InFlightChunks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    public interface Decision<T, E extends Exception> {
        T decide(boolean pinned) throws E;
    }

    /** Runs a writer's check-and-reference of {@code chunk} with the chunk pinned and no deleter deciding. */
    public <T, E extends Exception> T referencing(Sha256 chunk, Decision<T, E> action) throws E {
        ReentrantLock lock = stripe(chunk);
        lock.lock();
        try {
            pins.merge(chunk, 1, Integer::sum);
            try {
                return action.decide(true);
            } finally {
                pins.computeIfPresent(chunk, (k, v) -> v == 1 ? null : v - 1);
            }
        } finally {
            lock.unlock();
        }
    }

    public void pin(Sha256 chunk) {
        ReentrantLock lock = stripe(chunk);
        lock.lock();
        try {
            pins.merge(chunk, 1, Integer::sum);
        } finally {
            lock.unlock();
        }
    }

    public void unpin(Sha256 chunk) {
        ReentrantLock lock = stripe(chunk);
        lock.lock();
        try {
            pins.computeIfPresent(chunk, (k, v) -> v == 1 ? null : v - 1);
        } finally {
            lock.unlock();
        }
    }

    public boolean isPinned(Sha256 chunk) {
        return pins.containsKey(chunk);
    }

    /** Number of pinned chunks (for tests and metrics). */
    public int size() {
        return pins.size();
    }

    /** Runs {@code decision} while no writer can pin {@code chunk}; it learns whether one already has. */
    public <T, E extends Exception> T whenIdle(Sha256 chunk, Decision<T, E> decision) throws E {
        ReentrantLock lock = stripe(chunk);
        lock.lock();
        try {
            return decision.decide(pins.containsKey(chunk));
        } finally {
            lock.unlock();
        }
    }

    private ReentrantLock stripe(Sha256 chunk) {
        return stripes[Math.floorMod(chunk.hashCode(), STRIPES)];
    }
}
