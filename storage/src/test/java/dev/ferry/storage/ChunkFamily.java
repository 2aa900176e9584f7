package dev.ferry.storage;

import org.rocksdb.CompactRangeOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDBException;

/** The chunk column family of a test's store, as the blob-file tests drive and read it. */
final class ChunkFamily {
    private ChunkFamily() {}

    /** The family's memtable written out (blob files and a table), waited for. */
    static void flush(RocksContentStore store) throws RocksDBException {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            store.db().flush(flush, store.chunks);
        }
    }

    /** A flush, then a compaction forced down to the bottom level, as one after new flushes would be. */
    static void flushAndCompact(RocksContentStore store) throws RocksDBException {
        flush(store);
        try (CompactRangeOptions all = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)) {
            store.db().compactRange(store.chunks, null, null, all);
        }
    }

    /** One of RocksDB's integer properties of the family ({@code rocksdb.live-blob-file-size}...). */
    static long property(RocksContentStore store, String name) throws RocksDBException {
        return store.db().getLongProperty(store.chunks, name);
    }
}
