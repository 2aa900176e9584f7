package dev.ferry.storage;

/**
 * What one eviction run did. Sizes are {@link StoreStats#chunkBytes()}: the logical chunk bytes the quota counts.
 *
 * @param evictedObjects objects deleted
 * @param evictedBytes the sum of their sizes (more than {@code sizeBefore - sizeAfter} when they shared chunks with
 *     objects that stay)
 * @param skippedPinned pinned objects passed over on the way
 * @param deferredReads evicted objects whose chunks are freed only when the reads streaming them end
 * @param reachedTarget false when every unpinned object was tried and the store is still above the target
 */
public record EvictionReport(
        long targetBytes,
        long sizeBefore,
        long sizeAfter,
        long evictedObjects,
        long evictedBytes,
        long skippedPinned,
        long deferredReads,
        boolean reachedTarget) {}
