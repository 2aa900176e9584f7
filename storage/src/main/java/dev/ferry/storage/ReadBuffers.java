package dev.ferry.storage;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * Arrays that {@link ChunkedInputStream#transferTo} reads chunks into, reused across reads: serving a 1 MiB blob
 * then allocates nothing (a fresh array per chunk is a humongous, zeroed allocation in G1 that grows the heap
 * under load). Holds at most {@code retained} arrays; more are allocated when that many reads run at once.
 */
final class ReadBuffers {
    /** Every chunking's largest chunk fits: {@link Chunker#FIXED_CHUNK}, above the content-defined maximum. */
    static final int SIZE = Chunker.FIXED_CHUNK;

    private final ArrayBlockingQueue<byte[]> free;

    ReadBuffers(int retained) {
        this.free = new ArrayBlockingQueue<>(Math.max(1, retained));
    }

    byte[] take() {
        byte[] b = free.poll();
        return b != null ? b : new byte[SIZE];
    }

    /** Only once nothing refers to {@code b} any more (the write that used it has returned). */
    void give(byte[] b) {
        if (b.length == SIZE) {
            free.offer(b);
        }
    }
}
