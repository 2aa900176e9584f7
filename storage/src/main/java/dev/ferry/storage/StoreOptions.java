package dev.ferry.storage;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

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
        return with(d -> d.chunkSizes = sizes);
    }

    /** Chunks of at least {@code bytes} in blob files (benchmarks and the upgrade test try other placements). */
    public StoreOptions withMinBlobBytes(long bytes) {
        return with(d -> d.minBlobBytes = bytes);
    }

    public StoreOptions withCloseTimeout(Duration timeout) {
        return with(d -> d.closeTimeout = timeout);
    }

    /** A quota of {@code bytes} (0: none), evicting down to {@code lowWatermark} of it. */
    public StoreOptions withQuota(long bytes, double lowWatermark) {
        return with(d -> {
            d.quotaBytes = bytes;
            d.lowWatermark = lowWatermark;
        });
    }

    public StoreOptions withAccessTracking(Duration flushInterval, int trackedMax) {
        return with(d -> {
            d.accessFlushInterval = flushInterval;
            d.accessTrackedMax = trackedMax;
        });
    }

    public StoreOptions withClock(Clock clock) {
        return with(d -> d.clock = clock);
    }

    /** These options with {@code change} made to a copy of their values: one place lists every component. */
    private StoreOptions with(Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new StoreOptions(
                d.blockCacheBytes,
                d.minBlobBytes,
                d.chunkWriteBufferBytes,
                d.chunkWriteBuffers,
                d.memtableBytes,
                d.maxWalBytes,
                d.objectCacheEntries,
                d.chunkSizes,
                d.closeTimeout,
                d.quotaBytes,
                d.lowWatermark,
                d.accessFlushInterval,
                d.accessTrackedMax,
                d.clock);
    }

    /** The components of a {@link StoreOptions}, changeable, for {@link #with}. */
    private static final class Draft {
        long blockCacheBytes;
        long minBlobBytes;
        long chunkWriteBufferBytes;
        int chunkWriteBuffers;
        long memtableBytes;
        long maxWalBytes;
        int objectCacheEntries;
        ChunkSizes chunkSizes;
        Duration closeTimeout;
        long quotaBytes;
        double lowWatermark;
        Duration accessFlushInterval;
        int accessTrackedMax;
        Clock clock;

        Draft(StoreOptions o) {
            blockCacheBytes = o.blockCacheBytes;
            minBlobBytes = o.minBlobBytes;
            chunkWriteBufferBytes = o.chunkWriteBufferBytes;
            chunkWriteBuffers = o.chunkWriteBuffers;
            memtableBytes = o.memtableBytes;
            maxWalBytes = o.maxWalBytes;
            objectCacheEntries = o.objectCacheEntries;
            chunkSizes = o.chunkSizes;
            closeTimeout = o.closeTimeout;
            quotaBytes = o.quotaBytes;
            lowWatermark = o.lowWatermark;
            accessFlushInterval = o.accessFlushInterval;
            accessTrackedMax = o.accessTrackedMax;
            clock = o.clock;
        }
    }
}
