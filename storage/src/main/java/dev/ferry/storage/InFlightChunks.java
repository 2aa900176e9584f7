package dev.ferry.storage;

import java.util.concurrent.CompletableFuture;
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
 *
 * <p>A batched writer ({@link ChunkBatch}) decides for many chunks and then writes them in one batch. From before
 * its decision until that batch lands, each chunk is <em>staged</em>: pinned (deleters keep it), and a writer of the
 * same chunk waits in {@link #referencing} until the batch is written (or failed), then decides on what is in
 * RocksDB; otherwise both would store it and count it twice. Staged before the decision, nothing else can change
 * whether the chunk is stored until the batch lands, so one lookup can decide for the whole batch. A chunk only one
 * batch stages at a time: another batch finds it staged ({@link #stage} returns the first batch's future), leaves it
 * out, and waits for that future only after its own batch is written and released. A batched writer thus never
 * waits while it has a chunk staged, so no writer waits for one that waits for it, and batches need no lock of
 * their own: they are decided and written side by side.
 */
public final class InFlightChunks {
    private static final int STRIPES = 256;

    // ReentrantLock rather than synchronized: a virtual thread blocked on it does not pin its carrier on Java 21.
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final ConcurrentHashMap<Sha256, Integer> pins = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Sha256, CompletableFuture<Void>> staged = new ConcurrentHashMap<>();

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
        while (true) {
            CompletableFuture<Void> batch;
            lock.lock();
            try {
                batch = staged.get(chunk);
                if (batch == null) {
                    pins.merge(chunk, 1, Integer::sum);
                    try {
                        return action.decide(true);
                    } finally {
                        pins.computeIfPresent(chunk, (k, v) -> v == 1 ? null : v - 1);
                    }
                }
            } finally {
                lock.unlock();
            }
            batch.join(); // never fails: completed when the batch was written or given up
        }
    }

    /**
     * A batched writer's hold on {@code chunk} before it decides whether its batch must store it (for many chunks
     * with one lookup): pinned and staged (writers of it wait for {@code batch}) until {@link #release}. From here on
     * nothing can change whether the chunk is stored: writers of it wait, deleters keep it, and a writer that held
     * it before is done (it wrote under the stripe lock). Returns null, or, when another batch has the chunk staged,
     * that batch's future and does nothing: the caller must not decide on the chunk before that future completes,
     * and must not wait for it while it has chunks staged itself.
     */
    CompletableFuture<Void> stage(Sha256 chunk, CompletableFuture<Void> batch) {
        ReentrantLock lock = stripe(chunk);
        lock.lock();
        try {
            CompletableFuture<Void> other = staged.putIfAbsent(chunk, batch);
            if (other == null) {
                pins.merge(chunk, 1, Integer::sum);
            }
            return other;
        } finally {
            lock.unlock();
        }
    }

    /** Ends what {@link #stage} began, once the batch is written or given up (then complete the batch's future). */
    void release(Sha256 chunk, CompletableFuture<Void> batch) {
        ReentrantLock lock = stripe(chunk);
        lock.lock();
        try {
            staged.remove(chunk, batch);
            pins.computeIfPresent(chunk, (k, v) -> v == 1 ? null : v - 1);
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
