package dev.ferry.storage;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers in memory which objects were used and in which minute, and hands them to the store in one unsynced
 * batch per flush (every {@link StoreOptions#accessFlushInterval}, before an eviction, and at close), so a read
 * costs a map put, never a RocksDB write.
 *
 * <p>Losing the last interval's uses in a crash only makes those objects look a little older to the evictor. Memory
 * is bounded by {@link StoreOptions#accessTrackedMax}: past it the next read asks for an early flush, past twice
 * it uses are dropped (their objects keep their previous minute) until the flush ran.
 */
final class AccessTracker {
    /** Writes one flush's uses; see {@link AccessTimes}. */
    interface Sink {
        void write(List<Map.Entry<Sha256, Long>> uses) throws IOException;
    }

    private final Clock clock;
    private final int max;
    private final Sink sink;
    private final Runnable flushSoon;
    private final ConcurrentHashMap<Sha256, Long> recent = new ConcurrentHashMap<>();

    AccessTracker(Clock clock, int max, Sink sink, Runnable flushSoon) {
        this.clock = clock;
        this.max = max;
        this.sink = sink;
        this.flushSoon = flushSoon;
    }

    long minuteNow() {
        return StoreLayout.Access.minute(clock.millis());
    }

    void used(Sha256 object) {
        int size = recent.size();
        if (size >= max) {
            flushSoon.run();
            if (size >= 2 * max) {
                return;
            }
        }
        recent.put(object, minuteNow());
    }

    /** Writes the uses collected so far; one flush at a time, so minutes only move forward. */
    synchronized int flush() throws IOException {
        if (recent.isEmpty()) {
            return 0;
        }
        List<Map.Entry<Sha256, Long>> uses = new ArrayList<>(recent.size());
        for (Map.Entry<Sha256, Long> e : recent.entrySet()) {
            if (recent.remove(e.getKey(), e.getValue())) {
                uses.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        sink.write(uses);
        return uses.size();
    }

    /** Uses not yet flushed (for tests). */
    int pending() {
        return recent.size();
    }
}
