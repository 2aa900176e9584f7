package dev.ferry.storage;

import java.util.HashMap;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.HistogramData;
import org.rocksdb.HistogramType;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/** Reads {@link StoreWriteStats} from RocksDB's statistics and properties (a scrape's work, never a write's). */
final class RocksWriteStats {
    private RocksWriteStats() {}

    static StoreWriteStats read(RocksHandles rocks) throws RocksDBException {
        RocksDB db = rocks.db;
        Statistics stats = rocks.statistics;
        HistogramData stalls = stats.getHistogramData(HistogramType.WRITE_STALL);
        Map<String, Long> conditions = new HashMap<>();
        long flushesPending = 0;
        long compactionsPending = 0;
        long mostL0 = 0;
        for (ColumnFamilyHandle cf : rocks.handles()) {
            addCounts(conditions, db.getMapProperty(cf, "rocksdb.cf-write-stall-stats"));
            flushesPending += db.getLongProperty(cf, "rocksdb.mem-table-flush-pending");
            compactionsPending += db.getLongProperty(cf, "rocksdb.compaction-pending");
            // a string property, not an integer one: getLongProperty refuses it
            mostL0 = Math.max(
                    mostL0,
                    Long.parseLong(
                            db.getProperty(cf, "rocksdb.num-files-at-level0").trim()));
        }
        addCounts(conditions, db.getMapProperty("rocksdb.db-write-stall-stats"));
        return new StoreWriteStats(
                stalls.getCount(),
                stats.getTickerCount(TickerType.STALL_MICROS),
                Math.round(stalls.getMax()),
                conditions,
                flushesPending,
                compactionsPending,
                db.getLongProperty("rocksdb.num-running-flushes"),
                db.getLongProperty("rocksdb.num-running-compactions"),
                db.getAggregatedLongProperty("rocksdb.num-immutable-mem-table"),
                mostL0,
                db.getAggregatedLongProperty("rocksdb.estimate-pending-compaction-bytes"),
                db.getLongProperty("rocksdb.actual-delayed-write-rate"),
                db.getLongProperty("rocksdb.is-write-stopped") != 0,
                stats.getTickerCount(TickerType.WAL_FILE_SYNCED),
                stats.getTickerCount(TickerType.WAL_FILE_BYTES),
                stats.getTickerCount(TickerType.FLUSH_WRITE_BYTES),
                stats.getTickerCount(TickerType.COMPACT_WRITE_BYTES));
    }

    /** Adds RocksDB's stall counts by limit ("memtable-limit-stops"...), leaving out its totals. */
    private static void addCounts(Map<String, Long> into, Map<String, String> counts) {
        counts.forEach((name, value) -> {
            if (!name.startsWith("total-")) {
                try {
                    into.merge(name, Long.parseLong(value.trim()), Long::sum);
                } catch (NumberFormatException e) {
                    // not a count: RocksDB may add other entries to the map
                }
            }
        });
    }
}
