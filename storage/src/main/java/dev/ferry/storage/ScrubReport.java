package dev.ferry.storage;

/**
 * What a full consistency pass found. A clean store has zeros everywhere but {@code objects} and {@code chunks}.
 *
 * @param pendingWrites writes neither committed nor reclaimed (only non-zero while writers are in flight)
 * @param unreferencedChunks chunks no object or pending write points at: space a crash or bug leaked
 * @param refCountMismatches chunks whose stored count differs from the index entries pointing at them
 * @param missingChunks index entries whose chunk is gone: data loss
 * @param danglingIndexEntries index entries of ids that are neither an object nor a pending write
 * @param brokenObjects objects whose chunks do not add up to their size
 * @param danglingNames names pointing at no object
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
        long danglingNames) {

    public boolean isClean() {
        return pendingWrites == 0 && unreferencedChunks == 0 && refCountMismatches == 0 && missingChunks == 0
                && danglingIndexEntries == 0 && brokenObjects == 0 && danglingNames == 0;
    }
}
