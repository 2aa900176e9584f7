package dev.ferry.storage;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.MutableColumnFamilyOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Turns the chunk family's blob-file garbage collection on only while its blob files hold garbage.
 *
 * <p>Why: RocksDB's blob GC relocates, in every compaction, each blob still referenced from the oldest quarter of
 * the blob files, whether or not those files hold any garbage. The chunk family's bottom level is one small table
 * of keys that overlaps every new level-0 table, so each compaction (one per four memtable flushes, i.e. every
 * 64 MiB of new chunks) rewrote the oldest live chunks again: a cold 400 MiB of image layers wrote 282 MiB more
 * than its own bytes, a third of the server's CPU during the copy (bench/oci README, 2026-12-07). Live chunks
 * never need moving; only garbage (chunks deleted by eviction, a delete or an aborted write, dropped from the
 * tables by compaction) needs its files rewritten to free the disk. So GC is off while garbage is under
 * {@link #ON_AT} of the blob bytes and on, with RocksDB's own policy, from there until it is back under
 * {@link #OFF_AT}.
 */
final class BlobGarbage {
    /** Garbage share of the chunk family's blob bytes at which GC is turned on. */
    static final double ON_AT = 0.10;
    /** ... and back under which it is turned off (lower, so one compaction's change does not flip it back). */
    static final double OFF_AT = 0.05;

    private static final System.Logger LOG = System.getLogger("ferry.storage");

    private final RocksDB db;
    private final ColumnFamilyHandle chunks;
    private volatile boolean on;

    BlobGarbage(RocksDB db, ColumnFamilyHandle chunks) {
        this.db = db;
        this.chunks = chunks;
    }

    /** The chunk family's blob files are opened with GC off ({@link RocksHandles}); this decides from now on. */
    void adjust() throws RocksDBException {
        long total = db.getLongProperty(chunks, "rocksdb.live-blob-file-size");
        long garbage = db.getLongProperty(chunks, "rocksdb.live-blob-file-garbage-size");
        double share = total == 0 ? 0 : (double) garbage / total;
        boolean want = on ? share >= OFF_AT : share >= ON_AT;
        if (want != on) {
            db.setOptions(
                    chunks,
                    MutableColumnFamilyOptions.builder()
                            .setEnableBlobGarbageCollection(want)
                            .build());
            on = want;
            LOG.log(
                    System.Logger.Level.INFO,
                    "blob garbage collection {0}: {1} of {2} blob bytes are garbage",
                    want ? "on" : "off",
                    garbage,
                    total);
        }
    }

    /** Whether GC is on now (for tests). */
    boolean on() {
        return on;
    }
}
