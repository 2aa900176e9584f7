package dev.ferry.storage;

/**
 * What a full consistency pass found. A clean store has zeros everywhere but {@code objects} and {@code chunks}.
 *
 * @param pendingWrites writes neither committed nor reclaimed (only non-zero while writers are in flight)
 * @param unreferencedChunks chunks no object or pending write points at: space a crash or bug leaked
 * @param refCountMismatches chunks whose stored count differs from the index entries pointing at them
 * @param missingChunks index entries whose chunk is gone, and inline chunks (StoreLayout) whose bytes no longer hash
 *     to their digest: data loss
 * @param danglingIndexEntries index entries of ids that are neither an object nor a pending write
 * @param brokenObjects objects whose chunks do not add up to their size
 * @param danglingNames names pointing at no object
 * @param nameRefMismatches names missing from name_refs, and name_refs entries whose name points elsewhere
 * @param pinMismatches pins of objects not stored, pins and pin_sets disagreeing, a wrong pinned counter
 * @param accessMismatches objects without an access time, access times of objects not stored, and access and
 *     access_by_time disagreeing
 */
public record ScrubReport(
        long objects,
        long chunks,
        long pendingWrites,
        long unreferencedChunks,
        long refCountMismatches,
        long missingChunks,
        long danglingIndexEntries,
        long brokenObjects,
        long danglingNames,
        long nameRefMismatches,
        long pinMismatches,
        long accessMismatches) {

    public boolean isClean() {
        return pendingWrites == 0
                && unreferencedChunks == 0
                && refCountMismatches == 0
                && missingChunks == 0
                && danglingIndexEntries == 0
                && brokenObjects == 0
                && danglingNames == 0
                && nameRefMismatches == 0
                && pinMismatches == 0
                && accessMismatches == 0;
    }
}
