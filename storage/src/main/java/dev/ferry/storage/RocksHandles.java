package dev.ferry.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.HistogramType;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.StatsLevel;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The one RocksDB of a data directory and every native handle that goes with it: opened with the column families
 * of {@link StoreLayout} and their tuning (docs/storage.md, "RocksDB options"), checked for the store format, and
 * closed so that nothing leaks, whether the open failed half way or the store closes normally.
 */
final class RocksHandles {
    final RocksDB db;
    final WriteOptions unsynced;
    final WriteOptions synced;
    /** Large objects' chunk bytes: memtable only, flushed before a commit names them ({@link UnflushedChunks}). */
    final WriteOptions logless;
    /**
     * Reads whose caller checks the bytes itself (a chunk against its recorded CRC32C or its sha256): RocksDB skips
     * its own checksums, which its JNI build computes in software ({@link ChunkChecksum}).
     */
    final ReadOptions unverified;
    /** Every other read: RocksDB's defaults, checksums verified. */
    final ReadOptions verified;
    /** RocksDB's tickers and its one kept histogram, the writes' stalls ({@link #statistics}). */
    final Statistics statistics;

    /** Merge operands of one key kept in a memtable before a write folds them (counts and reference counts). */
    static final long MAX_SUCCESSIVE_MERGES = 16;

    private final List<ColumnFamilyHandle> handles;
    /** Native option objects, closed after the database, in reverse order of creation. */
    private final List<AutoCloseable> resources;

    private RocksHandles(
            RocksDB db, List<ColumnFamilyHandle> handles, List<AutoCloseable> resources, Statistics statistics) {
        this.db = db;
        this.statistics = statistics;
        this.handles = handles;
        this.resources = resources;
        this.unsynced = track(resources, new WriteOptions().setSync(false));
        this.synced = track(resources, new WriteOptions().setSync(true));
        this.logless = track(resources, new WriteOptions().setSync(false).setDisableWAL(true));
        this.unverified = track(resources, new ReadOptions().setVerifyChecksums(false));
        this.verified = track(resources, new ReadOptions());
    }

    /** Opens (creating if needed) the RocksDB under {@code dir}; refuses another store format. */
    static RocksHandles open(Path dir, StoreOptions options) throws IOException {
        RocksDB.loadLibrary();
        Files.createDirectories(dir);
        List<AutoCloseable> resources = new ArrayList<>();
        // Half the cache is kept for index and filter blocks (high priority): data blocks and the memtables charged
        // to the cache evict each other, not the filters every point lookup of a new chunk needs.
        Cache cache = track(resources, new LRUCache(options.blockCacheBytes(), -1, false, 0.5));
        // Memtables charged to the block cache: RocksDB's memory stays about the cache's capacity whichever families
        // are written, instead of the cache plus two memtables per family (13 families) on top of it.
        WriteBufferManager memtables = options.memtableBytes() > 0
                ? track(resources, new WriteBufferManager(options.memtableBytes(), cache))
                : null;
        BloomFilter bloom = track(resources, new BloomFilter(10));
        UInt64AddOperator add = track(resources, new UInt64AddOperator());
        Statistics statistics = track(resources, statistics());
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : StoreLayout.COLUMN_FAMILIES) {
            ColumnFamilyOptions cf = track(resources, columnFamilyOptions(name, options, cache, bloom, add));
            descriptors.add(new ColumnFamilyDescriptor(StoreLayout.utf8(name), cf));
        }
        DBOptions db = track(
                resources,
                new DBOptions()
                        .setCreateIfMissing(true)
                        .setCreateMissingColumnFamilies(true)
                        .setMaxTotalWalSize(options.maxWalBytes())
                        .setMaxBackgroundJobs(4)
                        .setBytesPerSync(1 << 20)
                        .setKeepLogFileNum(4)
                        // close() flushes every family itself; RocksDB's own flush at close (it makes one when
                        // writes skipped the log) would only hide, in tests that end a store as a kill does
                        // (RocksContentStore.crashForTests), what a kill loses.
                        .setAvoidFlushDuringShutdown(true)
                        .setStatistics(statistics));
        if (memtables != null) {
            db.setWriteBufferManager(memtables);
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB rocks;
        try {
            rocks = RocksDB.open(db, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            closeAll(resources);
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("lock") || msg.contains("LOCK")) {
                throw new IOException("data directory " + dir + " is in use by another ferry (" + msg + ")", e);
            }
            throw new IOException("cannot open the store in " + dir + ": " + msg, e);
        }
        RocksHandles opened = new RocksHandles(rocks, handles, resources, statistics);
        try {
            checkFormat(rocks, dir);
            return opened;
        } catch (RocksDBException | IOException | RuntimeException e) {
            opened.closeUnflushed();
            throw e instanceof IOException io ? io : new IOException("cannot open the store in " + dir, e);
        }
    }

    /**
     * Tickers (per-core counters, no clock read) and of the histograms only the write stall's, which RocksDB times
     * only for a write it holds back: every other histogram would read the clock twice around each get and write.
     * docs/storage.md, "Write stalls and their metrics".
     */
    static Statistics statistics() {
        EnumSet<HistogramType> ignored = EnumSet.complementOf(EnumSet.of(HistogramType.WRITE_STALL));
        ignored.remove(HistogramType.HISTOGRAM_ENUM_MAX);
        Statistics statistics = new Statistics(ignored);
        statistics.setStatsLevel(StatsLevel.EXCEPT_DETAILED_TIMERS);
        return statistics;
    }

    /** Every column family's handle, in {@link StoreLayout#COLUMN_FAMILIES}' order. */
    List<ColumnFamilyHandle> handles() {
        return handles;
    }

    private static ColumnFamilyOptions columnFamilyOptions(
            String name, StoreOptions options, Cache cache, BloomFilter bloom, UInt64AddOperator add) {
        ColumnFamilyOptions cf = new ColumnFamilyOptions();
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloom)
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                // Filters and indexes cut into 4 KiB partitions under a small top level (pinned): a lookup whose
                // filter fell out of the cache reads one partition, not the whole filter of a 64 MiB table. With
                // whole filters, a store of millions of tiny chunks spent 65% of its CPU re-reading and
                // checksumming them (bench/bundle/README.md, session 10), 5,800 chunk writes a second at 4 million.
                .setIndexType(IndexType.kTwoLevelIndexSearch)
                .setPartitionFilters(true)
                .setMetadataBlockSize(4096)
                .setPinTopLevelIndexAndFilter(true);
        cf.setTableFormatConfig(table);
        cf.setWriteBufferSize(8L << 20);
        switch (name) {
            case StoreLayout.CHUNKS ->
                cf
                        // Module zips and image layers are compressed already: compressing again costs CPU, saves
                        // nothing.
                        .setCompressionType(CompressionType.NO_COMPRESSION)
                        .setEnableBlobFiles(true)
                        .setMinBlobSize(options.minBlobBytes())
                        .setBlobFileSize(256L << 20)
                        .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                        // Off until the blob files hold garbage (BlobGarbage): on, every compaction rewrites the
                        // oldest live chunks too.
                        .setEnableBlobGarbageCollection(false)
                        .setWriteBufferSize(options.chunkWriteBufferBytes())
                        // A third memtable takes the writes while two wait for their flush: a cold pull fills one
                        // in a fraction of a second, and with two a slow flush stops every writer.
                        .setMaxWriteBufferNumber(options.chunkWriteBuffers());
            case StoreLayout.CHUNK_REFS, StoreLayout.COUNTERS -> {
                cf.setCompressionType(CompressionType.NO_COMPRESSION)
                        .setMergeOperator(add)
                        // A read folds every merge operand of its key still in the memtable: the store's counters
                        // take two per small file, so after a minute of ingest a read of one walked ~100,000 of
                        // them (16-40 ms), and with a quota every commit reads chunk_bytes. Past this many, the
                        // write folds them into a value instead (docs/storage.md, RocksDB options).
                        .setMaxSuccessiveMerges(MAX_SUCCESSIVE_MERGES);
                if (name.equals(StoreLayout.CHUNK_REFS)) {
                    // Every chunk written asks first whether its count is here, and a new chunk's answer is no:
                    // a bloom filter over the memtable's keys answers most of those without searching the
                    // skiplist (a tenth of the memtable's size, 0.8 MiB).
                    cf.setMemtablePrefixBloomSizeRatio(0.1).setMemtableWholeKeyFiltering(true);
                }
            }
            case StoreLayout.OBJECTS, StoreLayout.PENDING -> cf.setCompressionType(CompressionType.NO_COMPRESSION);
            default -> cf.setCompressionType(CompressionType.LZ4_COMPRESSION);
        }
        return cf;
    }

    private static void checkFormat(RocksDB rocks, Path dir) throws RocksDBException, IOException {
        byte[] format = rocks.get(StoreLayout.FORMAT_KEY);
        if (format == null) {
            rocks.put(StoreLayout.FORMAT_KEY, StoreLayout.utf8(StoreLayout.FORMAT));
            rocks.put(StoreLayout.LIFECYCLE_KEY, StoreLayout.utf8("1")); // a new store keeps its indexes from the start
        } else if (StoreLayout.FORMAT_1.equals(new String(format, StandardCharsets.UTF_8))) {
            // Every format 1 value is a valid format 2 value: the mark alone changes, synced before any inline
            // entry exists, so an older ferry refuses the store rather than misread what this one writes next.
            try (WriteOptions synced = new WriteOptions().setSync(true)) {
                rocks.put(synced, StoreLayout.FORMAT_KEY, StoreLayout.utf8(StoreLayout.FORMAT));
            }
        } else if (!StoreLayout.FORMAT.equals(new String(format, StandardCharsets.UTF_8))) {
            throw new IOException(dir + " holds store format " + new String(format, StandardCharsets.UTF_8)
                    + ", this ferry reads " + StoreLayout.FORMAT);
        }
    }

    /** The handle of a column family of {@link StoreLayout#COLUMN_FAMILIES}. */
    ColumnFamilyHandle handle(String family) {
        return handles.get(StoreLayout.COLUMN_FAMILIES.indexOf(family));
    }

    /**
     * True when the last close was clean ({@link #close(boolean)}); the mark is deleted, durably, so that a crash of
     * this run is never taken for a clean close.
     */
    boolean takeCleanClose() throws IOException {
        try {
            if (db.get(StoreLayout.CLEAN_CLOSE_KEY) == null) {
                return false;
            }
            db.delete(synced, StoreLayout.CLEAN_CLOSE_KEY);
            return true;
        } catch (RocksDBException e) {
            throw new IOException("cannot read the store's close mark: " + e.getMessage(), e);
        }
    }

    /**
     * Makes unsynced writes durable, flushes the memtables and closes everything; {@code clean} marks the close as
     * clean for the next open. With the WAL on, RocksDB leaves memtables unflushed at close, and the next open
     * replays up to maxWalBytes of log before ferry is ready: flushing here keeps a clean restart fast. The pending
     * family is compacted too: every commit deletes its write's pending record, and the open's two reads of the
     * family (the last id, the interrupted writes) would otherwise step over every tombstone since the last
     * compaction (0.8 s after 110,000 commits on a loaded machine, nothing once compacted).
     */
    void close(boolean clean) {
        try {
            if (clean) {
                db.put(unsynced, StoreLayout.CLEAN_CLOSE_KEY, StoreLayout.utf8("1"));
            }
            db.syncWal();
        } catch (RocksDBException e) {
            // Every commit was synced already; this only hardens unsynced pending writes, which are reclaimed.
        }
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, handles);
            db.compactRange(handle(StoreLayout.PENDING));
        } catch (RocksDBException e) {
            System.getLogger("ferry.storage")
                    .log(
                            System.Logger.Level.WARNING,
                            "flush at close failed (the next start replays the log instead): " + e.getMessage());
        }
        closeUnflushed();
    }

    /** Closes everything as it is (an open that failed). */
    void closeUnflushed() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        closeAll(resources);
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> resources, T resource) {
        resources.add(resource);
        return resource;
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // native handles only; nothing left to do about a failing close
            }
        }
    }
}
