package dev.ferry.storage;

import java.time.Clock;
import java.time.Duration;

/**
 * Tuning for the RocksDB store; docs/storage.md says why each default is what it is.
 *
 * @param blockCacheBytes one LRU block cache shared by every column family (index, filter and data blocks), which
 *     the memtables are charged to as well: RocksDB's memory is about this much (docs/storage.md, memory budget)
 * @param minBlobBytes chunks at least this long go to blob files instead of SST data blocks: by default every chunk
 *     that is not inline ({@link ChunkStore#INLINE_MAX}), so compaction never rewrites chunk bytes
 * @param chunkWriteBufferBytes memtable size of the chunks column family (the other families use 8 MiB)
 * @param chunkWriteBuffers how many memtables of the chunks family may exist at once (one taking writes, the others
 *     waiting for their flush); writes stop while all are full
 * @param memtableBytes all memtables of all column families together, charged to the block cache: past it RocksDB
 *     flushes the oldest; 0 for no such limit
 * @param maxWalBytes total WAL size that forces flushes of the quiet column families, so old WAL files can go
 * @param objectCacheEntries how many object records to keep decoded in memory (objects are immutable)
 * @param chunkSizes chunking targets
 * @param closeTimeout how long {@link RocksContentStore#close()} waits for writers in flight before closing anyway
 * @param quotaBytes logical chunk bytes ({@link StoreStats#chunkBytes()}) above which the least recently used
 *     unpinned objects are evicted; 0 for no quota
 * @param lowWatermark eviction runs down to {@code quotaBytes * lowWatermark}, so one eviction buys room for many
 *     commits instead of running again at every one
 * @param accessFlushInterval how often access times collected in memory are written to the store
 * @param accessTrackedMax objects whose access is remembered in memory between flushes; beyond it a flush is
 *     started early, and beyond twice it further reads are not recorded until the flush ran
 * @param clock the time access and commit minutes are taken from (tests move it)
 */
public record StoreOptions(
        long blockCacheBytes,
        long minBlobBytes,
        long chunkWriteBufferBytes,
        int chunkWriteBuffers,
        long memtableBytes,
        long maxWalBytes,
        int objectCacheEntries,
        ChunkSizes chunkSizes,
        Duration closeTimeout,
        long quotaBytes,
        double lowWatermark,
        Duration accessFlushInterval,
        int accessTrackedMax,
        Clock clock) {

    public StoreOptions {
        if (quotaBytes < 0) {
            throw new IllegalArgumentException("quotaBytes must be 0 (none) or positive: " + quotaBytes);
        }
        if (!(lowWatermark > 0 && lowWatermark <= 1)) {
            throw new IllegalArgumentException("lowWatermark must be in (0, 1]: " + lowWatermark);
        }
    }

    public StoreOptions(long blockCacheBytes) {
        this(
                blockCacheBytes,
                ChunkStore.INLINE_MAX + 1,
                16L << 20,
                3,
                32L << 20,
                512L << 20,
                65_536,
                ChunkSizes.defaults(),
                Duration.ofSeconds(10),
                0,
                0.9,
                Duration.ofSeconds(30),
                262_144,
                Clock.systemUTC());
    }

    public static StoreOptions defaults() {
        return new StoreOptions(64L << 20);
    }

    public StoreOptions withChunkSizes(ChunkSizes sizes) {
        return new StoreOptions(
                blockCacheBytes,
                minBlobBytes,
                chunkWriteBufferBytes,
                chunkWriteBuffers,
                memtableBytes,
                maxWalBytes,
                objectCacheEntries,
                sizes,
                closeTimeout,
                quotaBytes,
                lowWatermark,
                accessFlushInterval,
                accessTrackedMax,
                clock);
    }

    /** Chunks of at least {@code bytes} in blob files (benchmarks and the upgrade test try other placements). */
    public StoreOptions withMinBlobBytes(long bytes) {
        return new StoreOptions(
                blockCacheBytes,
                bytes,
                chunkWriteBufferBytes,
                chunkWriteBuffers,
                memtableBytes,
                maxWalBytes,
                objectCacheEntries,
                chunkSizes,
                closeTimeout,
                quotaBytes,
                lowWatermark,
                accessFlushInterval,
                accessTrackedMax,
                clock);
    }

    public StoreOptions withCloseTimeout(Duration timeout) {
        return new StoreOptions(
                blockCacheBytes,
                minBlobBytes,
                chunkWriteBufferBytes,
                chunkWriteBuffers,
                memtableBytes,
                maxWalBytes,
                objectCacheEntries,
                chunkSizes,
                timeout,
                quotaBytes,
                lowWatermark,
                accessFlushInterval,
                accessTrackedMax,
                clock);
    }

    /** A quota of {@code bytes} (0: none), evicting down to {@code lowWatermark} of it. */
    public StoreOptions withQuota(long bytes, double lowWatermark) {
        return new StoreOptions(
                blockCacheBytes,
                minBlobBytes,
                chunkWriteBufferBytes,
                chunkWriteBuffers,
                memtableBytes,
                maxWalBytes,
                objectCacheEntries,
                chunkSizes,
                closeTimeout,
                bytes,
                lowWatermark,
                accessFlushInterval,
                accessTrackedMax,
                clock);
    }

    public StoreOptions withAccessTracking(Duration flushInterval, int trackedMax) {
        return new StoreOptions(
                blockCacheBytes,
                minBlobBytes,
                chunkWriteBufferBytes,
                chunkWriteBuffers,
                memtableBytes,
                maxWalBytes,
                objectCacheEntries,
                chunkSizes,
                closeTimeout,
                quotaBytes,
                lowWatermark,
                flushInterval,
                trackedMax,
                clock);
    }

    public StoreOptions withClock(Clock clock) {
        return new StoreOptions(
                blockCacheBytes,
                minBlobBytes,
                chunkWriteBufferBytes,
                chunkWriteBuffers,
                memtableBytes,
                maxWalBytes,
                objectCacheEntries,
                chunkSizes,
                closeTimeout,
                quotaBytes,
                lowWatermark,
                accessFlushInterval,
                accessTrackedMax,
                clock);
    }
}
