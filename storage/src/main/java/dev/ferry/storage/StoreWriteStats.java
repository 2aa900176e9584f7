package dev.ferry.storage;

import java.util.Map;

/**
 * RocksDB's own view of the store's writes, for /metrics: whether writes were held back (write stalls) and why, and
 * the background work that decides it (flushes and compactions pending or running). Read at scrape time from
 * RocksDB's statistics and properties (docs/storage.md, "Write stalls and their metrics").
 *
 * @param stalledWrites writes RocksDB delayed or stopped since the store opened (its {@code rocksdb.db.write.stall}
 *     histogram's count)
 * @param stallMicros the time those writes waited, summed over writers ({@code rocksdb.stall.micros})
 * @param longestStallMicros the longest one write waited, since the store opened (the histogram's maximum)
 * @param stallConditions how often a family (or the whole database) was found over a limit that delays or stops its
 *     writes, by RocksDB's name of the limit ({@code rocksdb.cf-write-stall-stats} summed over the families, and
 *     {@code rocksdb.db-write-stall-stats}), totals left out
 * @param flushesPending column families with a memtable flush pending
 * @param compactionsPending column families with a compaction pending
 * @param runningFlushes flushes running now
 * @param runningCompactions compactions running now
 * @param immutableMemtables memtables full and waiting for their flush, every family together
 * @param mostL0Files the level-0 files of the family that has most (the trigger of slowdowns and stops)
 * @param pendingCompactionBytes bytes compaction estimates it has to rewrite, every family together
 * @param delayedWriteRate the rate writes are held to while delayed, bytes/s; 0 when they are not
 * @param writesStopped true while writes are stopped
 * @param walSyncs syncs of the write-ahead log
 * @param walBytes bytes written to the write-ahead log
 * @param flushBytes bytes written by memtable flushes (table and blob files)
 * @param compactionBytes bytes written by compactions
 */
public record StoreWriteStats(
        long stalledWrites,
        long stallMicros,
        long longestStallMicros,
        Map<String, Long> stallConditions,
        long flushesPending,
        long compactionsPending,
        long runningFlushes,
        long runningCompactions,
        long immutableMemtables,
        long mostL0Files,
        long pendingCompactionBytes,
        long delayedWriteRate,
        boolean writesStopped,
        long walSyncs,
        long walBytes,
        long flushBytes,
        long compactionBytes) {

    public StoreWriteStats {
        stallConditions = Map.copyOf(stallConditions);
    }
}
