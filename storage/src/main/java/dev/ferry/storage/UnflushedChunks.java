package dev.ferry.storage;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDBException;

/**
 * Chunk bytes written without the log, and the flush that makes them durable before anything names them.
 *
 * <p>Why: a large object's chunk bytes written through the log were written twice before any read (the log, then a
 * blob file when the memtable flushes), and on a bundle import that copy was in the committing thread's top frame
 * (bench/bundle). From {@link #LARGE_OBJECT_BYTES} into an object (a cold layer or zip streamed in, an imported
 * object assembled in batches), its new chunks' bytes go to the memtable only ({@code disableWAL}); their counts,
 * references, index entries and {@code pending/<id>} still go through the log, in a write <em>before</em> the
 * bytes, so a crash that loses the bytes leaves an interrupted write that the next open reclaims like any other (its
 * counts given back, the chunk's delete a no-op).
 *
 * <p>What must not happen is a commit naming a chunk whose bytes are only in a memtable: a kill would lose them
 * under a durable name. So each such write takes a ticket, and the chunk is <em>unflushed</em> until a flush of the
 * chunk family that began after the ticket was taken has finished. Every commit that relies on an unflushed chunk,
 * its own or one it found stored (dedup), first calls {@link #makeDurable} with the highest ticket it relies on: one
 * flush per large object (or none, when a flush since covered it), never for a small object that shares nothing with
 * a large write in progress. Only the chunk family holds log-less writes, and everything in it that another family
 * refers to is flushed before the reference is named, so no {@code atomic_flush} is needed.
 */
final class UnflushedChunks {
    /** An object's chunks from this many bytes on skip the log (and its commit flushes). */
    static final long LARGE_OBJECT_BYTES = 4L << 20;
    /**
     * The same for an object whose commit is {@link Durability#GROUPED}: such a commit waits for no log sync, and a
     * flush (tens to hundreds of ms, fsyncs included) would be most of its cost, on the path of the client that
     * waits for it (a cold Go module zip: bench/cold). One chunk memtable's worth goes through the log instead, written
     * twice like any small object's; a larger object's rest still skips it, and its commit flushes.
     */
    static final long GROUPED_LOGGED_BYTES = 16L << 20;

    private final RocksHandles rocks;
    private final ColumnFamilyHandle chunks;
    private final ConcurrentHashMap<Sha256, Long> tickets = new ConcurrentHashMap<>();
    private final AtomicLong lastTicket = new AtomicLong();
    private final ReentrantLock flushLock = new ReentrantLock();
    private final AtomicLong flushes = new AtomicLong();
    private volatile long durable;

    UnflushedChunks(RocksHandles rocks, ColumnFamilyHandle chunks) {
        this.rocks = rocks;
        this.chunks = chunks;
    }

    /**
     * After a log-less write of {@code written} returned, before the chunks leave the in-flight lock or stage (so a
     * writer deciding on them next sees the ticket): returns the ticket a commit naming them must make durable.
     */
    long written(Collection<Sha256> written) {
        long ticket = lastTicket.incrementAndGet();
        for (Sha256 chunk : written) {
            tickets.merge(chunk, ticket, Math::max);
        }
        return ticket;
    }

    /** Under the chunk's in-flight lock: the ticket a commit relying on {@code chunk} must make durable, or 0. */
    long ticket(Sha256 chunk) {
        Long ticket = tickets.get(chunk);
        return ticket == null || ticket <= durable ? 0 : ticket;
    }

    /**
     * Returns once every log-less write up to {@code ticket} is in flushed files: flushes the chunk family (and
     * waits) unless a flush since did. The log is synced first, so the counts and references written before those
     * bytes are never behind them on disk after a power cut.
     */
    void makeDurable(long ticket) throws RocksDBException {
        if (ticket <= durable) {
            return;
        }
        flushLock.lock();
        try {
            if (ticket <= durable) {
                return; // a flush that started after our ticket covered it while we waited
            }
            long upTo = lastTicket.get(); // every write with a ticket up to here returned before the flush starts
            rocks.db.syncWal();
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                rocks.db.flush(flush, chunks);
            }
            flushes.incrementAndGet();
            durable = upTo;
            for (var e : tickets.entrySet()) {
                if (e.getValue() <= upTo) {
                    tickets.remove(e.getKey(), e.getValue()); // not a later ticket of the same chunk
                }
            }
        } finally {
            flushLock.unlock();
        }
    }

    /** Flushes made for commits so far (for tests and the benchmarks). */
    long flushes() {
        return flushes.get();
    }

    /** Chunks written without the log and not known to be flushed (for tests). */
    int unflushed() {
        long upTo = durable;
        return (int) tickets.values().stream().filter(t -> t > upTo).count();
    }
}
