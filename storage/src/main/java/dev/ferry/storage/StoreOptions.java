package dev.ferry.storage;

import java.time.Duration;

/**
 * Tuning for the RocksDB store; docs/storage.md says why each default is what it is.
 *
 * @param blockCacheBytes one LRU block cache shared by every column family (index, filter and data blocks)
 * @param minBlobBytes chunks at least this long go to blob files instead of SST data blocks
 * @param chunkWriteBufferBytes memtable size of the chunks column family (the other families use 8 MiB)
 * @param maxWalBytes total WAL size that forces flushes of the quiet column families, so old WAL files can go
 * @param objectCacheEntries how many object records to keep decoded in memory (objects are immutable)
 * @param chunkSizes chunking targets
 * @param closeTimeout how long {@link RocksContentStore#close()} waits for writers in flight before closing anyway
 */
public record StoreOptions(
        long blockCacheBytes,
        long minBlobBytes,
        long chunkWriteBufferBytes,
        long maxWalBytes,
        int objectCacheEntries,
        ChunkSizes chunkSizes,
        Duration closeTimeout) {

    public StoreOptions(long blockCacheBytes) {
        this(blockCacheBytes, 4 << 10, 64L << 20, 512L << 20, 65_536, ChunkSizes.defaults(), Duration.ofSeconds(10));
    }

    public static StoreOptions defaults() {
        return new StoreOptions(64L << 20);
    }

    public StoreOptions withChunkSizes(ChunkSizes sizes) {
        return new StoreOptions(blockCacheBytes, minBlobBytes, chunkWriteBufferBytes, maxWalBytes, objectCacheEntries,
                sizes, closeTimeout);
    }

    public StoreOptions withCloseTimeout(Duration timeout) {
        return new StoreOptions(blockCacheBytes, minBlobBytes, chunkWriteBufferBytes, maxWalBytes, objectCacheEntries,
                chunkSizes, timeout);
    }
}
