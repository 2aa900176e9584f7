package dev.ferry.storage;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads streaming an object right now, by object id, so deleting an object never pulls chunks from under a reader.
 *
 * <p>Why defer rather than fail: a read walks an object's chunks by exact keys as the client consumes it, possibly
 * for minutes; eviction picks the least recently used objects, but a slow download of an old object is exactly a
 * read that started long ago. So a delete drops the object's record and names at once (new reads no longer find it)
 * but gives its chunks back only when the last open read of it ends; {@code pending/<id>}, written by the delete,
 * makes the next open give them back if the process stops first.
 *
 * <p>{@link #open}, {@link #close} and {@link #retire} each run atomically per id (one map compute), so a read either
 * registered before the delete looked (the delete defers) or registers after it, and then the reader's own check
 * (see {@link RocksContentStore#read}) finds the object gone.
 */
final class ObjectReaders {
    private record State(int readers, boolean retired) {}

    private final ConcurrentHashMap<Long, State> open = new ConcurrentHashMap<>();

    /** A read of object {@code id} starts. */
    void open(long id) {
        open.merge(id, new State(1, false), (s, one) -> new State(s.readers + 1, s.retired));
    }

    /** A read of {@code id} ended; true when it was the last one of a deleted object, whose chunks the caller frees. */
    boolean close(long id) {
        boolean[] release = {false};
        open.computeIfPresent(id, (k, s) -> {
            if (s.readers > 1) {
                return new State(s.readers - 1, s.retired);
            }
            release[0] = s.retired;
            return null;
        });
        return release[0];
    }

    /** Object {@code id} was deleted: true when no read is open (free now), else the last {@link #close} frees it. */
    boolean retire(long id) {
        boolean[] now = {true};
        open.computeIfPresent(id, (k, s) -> {
            now[0] = false;
            return new State(s.readers, true);
        });
        return now[0];
    }

    /** Open reads (for tests and metrics). */
    int size() {
        return open.values().stream().mapToInt(State::readers).sum();
    }
}
