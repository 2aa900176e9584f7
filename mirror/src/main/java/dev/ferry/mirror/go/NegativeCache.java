package dev.ferry.mirror.go;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Upstream 404/410 answers, remembered for a while so the go command's many probes (every path prefix of an
 * import path is tried as a module) do not each cost an upstream round trip. In memory and bounded: the
 * least recently used entry goes first.
 */
final class NegativeCache {
    record Miss(String reason, boolean gone, Instant until) {}

    private final int capacity;
    private final LinkedHashMap<String, Miss> entries;

    NegativeCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Miss> eldest) {
                return size() > NegativeCache.this.capacity;
            }
        };
    }

    synchronized Optional<Miss> get(String key, Instant now) {
        Miss miss = entries.get(key);
        if (miss == null) {
            return Optional.empty();
        }
        if (!now.isBefore(miss.until())) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(miss);
    }

    synchronized void put(String key, Miss miss) {
        if (capacity > 0) {
            entries.put(key, miss);
        }
    }

    synchronized void remove(String key) {
        entries.remove(key);
    }
}
