package dev.ferry.upstreams.goproxy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which upstream said 404/410 for which path, for a short while: the go command asks for many paths that do not
 * exist (every prefix of an import path), and when the first upstream lacks something the second has, each
 * repeat should not pay the first one's round trip again. Bounded, least recently used out first.
 */
final class NotFoundMemory {
    private static final int CAPACITY = 10_000;

    record Miss(int status, String reason, Instant until) {}

    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, Miss> entries = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Miss> eldest) {
            return size() > CAPACITY;
        }
    };

    NotFoundMemory(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    synchronized Miss get(String upstream, String path) {
        String key = upstream + " " + path;
        Miss m = entries.get(key);
        if (m != null && !clock.instant().isBefore(m.until())) {
            entries.remove(key);
            return null;
        }
        return m;
    }

    synchronized void put(String upstream, String path, int status, String reason) {
        if (!ttl.isZero()) {
            entries.put(
                    upstream + " " + path,
                    new Miss(status, reason, clock.instant().plus(ttl)));
        }
    }
}
