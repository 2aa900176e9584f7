package dev.ferry.server.admin.api;

/**
 * {@code GET /admin/api/storage}. {@code sizeBytes} is what the quota is compared with; {@code quotaBytes} and
 * {@code quotaUsed} are null without a quota.
 */
public record StorageReport(
        long objects,
        long objectBytes,
        long chunks,
        long chunkBytes,
        long diskBytes,
        long sizeBytes,
        Long quotaBytes,
        Double quotaUsed,
        Evicted evicted,
        Pinned pinned,
        Cache cache) {

    /** Evicted since the store was created. */
    public record Evicted(long objects, long bytes) {}

    /** Distinct objects in any pin set. */
    public record Pinned(long sets, long objects, long bytes) {}

    /** Requests since start by cache outcome; {@code hitRatio} is null before the first hit, stale or miss. */
    public record Cache(long hits, long stale, long misses, long negativeHits, Double hitRatio) {}
}
