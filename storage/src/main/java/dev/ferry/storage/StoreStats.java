package dev.ferry.storage;

/**
 * Sizes for /metrics and the admin API. {@code chunkBytes} is the store's size as the quota measures it: logical
 * bytes of the stored chunks (each shared chunk once), which drops as soon as chunks are deleted, while
 * {@code diskBytes} follows only after compaction and blob garbage collection.
 *
 * @param diskBytes the disk used by the store: every file in its directory (SST and blob files, WAL, MANIFEST,
 *                  OPTIONS, info logs), -1 when it cannot be read
 * @param quotaBytes the configured quota, 0 for none
 * @param pinnedObjects objects held by at least one pin set
 * @param pinnedBytes the sum of their sizes (logical object bytes, before chunk sharing)
 * @param evictedObjects objects the evictor deleted since the store was created
 * @param evictedBytes the sum of their sizes
 */
public record StoreStats(
        long objects,
        long objectBytes,
        long chunks,
        long chunkBytes,
        long diskBytes,
        long quotaBytes,
        long pinnedObjects,
        long pinnedBytes,
        long evictedObjects,
        long evictedBytes) {

    /** Without lifecycle figures (stores that have none). */
    public StoreStats(long objects, long objectBytes, long chunks, long chunkBytes, long diskBytes) {
        this(objects, objectBytes, chunks, chunkBytes, diskBytes, 0, 0, 0, 0, 0);
    }
}
