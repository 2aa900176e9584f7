package dev.ferry.sync.bundle;

import dev.ferry.storage.ChunkStore;
import dev.ferry.storage.Sha256;
import dev.ferry.storage.StoredChunk;
import java.io.InterruptedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * The chunk lists of a sequence of objects, read from the store on a thread of their own, ahead of the caller by up
 * to {@code ahead} objects and {@code chunksAhead} chunks: an export's plan is one thread working object by object,
 * and reading the lists was half its time (2026-12-08 profile), time the machine's other cores can take. Lists come
 * back in the objects' order, each as {@link ChunkStore#chunksOf} gave it. The chunk bound is the one that holds the
 * heap: a list carries the bytes of its inline chunks (up to 256 bytes each), and one object may have thousands. A
 * list longer than the bound waits until the caller took all before it. Not thread-safe; close it to stop the reader.
 */
final class ChunkListsAhead implements AutoCloseable {
    /** What the reader handed over for one object: its list, or what reading it threw; the permits it holds. */
    private record Read(Optional<List<StoredChunk>> list, RuntimeException failure, int permits) {}

    private final BlockingQueue<Read> queue;
    private final Semaphore chunksQueued;
    private final Thread reader;
    private final int count;
    private int taken;

    ChunkListsAhead(ChunkStore chunks, Iterable<Sha256> objects, int count, int ahead, int chunksAhead) {
        this.queue = new ArrayBlockingQueue<>(Math.max(1, ahead));
        this.chunksQueued = new Semaphore(Math.max(1, chunksAhead));
        this.count = count;
        int bound = Math.max(1, chunksAhead);
        Iterator<Sha256> it = objects.iterator();
        this.reader = Thread.ofPlatform().daemon().name("bundle-export-lists").start(() -> {
            try {
                while (it.hasNext()) {
                    Read r;
                    try {
                        Optional<List<StoredChunk>> list = chunks.chunksOf(it.next());
                        int permits = Math.min(bound, list.map(List::size).orElse(0));
                        chunksQueued.acquire(permits);
                        r = new Read(list, null, permits);
                    } catch (RuntimeException e) {
                        r = new Read(Optional.empty(), e, 0);
                    }
                    queue.put(r);
                    if (r.failure() != null) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // closed early: the caller wants no more
            }
        });
    }

    /** The next object's chunk list (empty: not stored); rethrows what reading it threw. */
    Optional<List<StoredChunk>> next() throws InterruptedIOException {
        if (taken >= count) {
            throw new IllegalStateException("all " + count + " chunk lists were taken");
        }
        Read r;
        try {
            r = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("export interrupted");
        }
        taken++;
        chunksQueued.release(r.permits());
        if (r.failure() != null) {
            throw r.failure();
        }
        return r.list();
    }

    @Override
    public void close() {
        reader.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                reader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
