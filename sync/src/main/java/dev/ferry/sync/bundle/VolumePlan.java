package dev.ferry.sync.bundle;

import dev.ferry.protocols.bundle.Volume;

/**
 * Places shipped chunks, in shipping order, into volume records and volumes before anything is written. Consecutive
 * chunks share a record up to {@link #RECORD_BYTES} (deflated together: the small zip-entry-header chunks a new
 * module version ships name the same paths over and over, and compress well only side by side). Planned on raw
 * sizes, which a record never exceeds, so every volume stays within its limit whatever compression achieves.
 */
final class VolumePlan {
    /** Raw bytes a record gathers before the next chunk starts a new one. */
    static final int RECORD_BYTES = 1 << 20;

    private final long capacity;
    private int volumes;
    private long used;
    private int records;
    private int open = -1;
    private int openRaw;

    /** Where a chunk goes: volume (from 1), record number (bundle-wide, in writing order), position in the record. */
    record Place(int volume, int record, int skip) {}

    /** @param capacity bytes of a volume available for records (its size less header and trailer) */
    VolumePlan(long capacity) {
        this.capacity = capacity;
    }

    /** Places a chunk of {@code length} bytes; false from {@link #fits} means it cannot be placed at all. */
    Place add(int length) {
        if (!fits(length)) {
            throw new IllegalArgumentException("a chunk of " + length + " bytes does not fit an empty volume");
        }
        if (open >= 0
                && (openRaw + length > RECORD_BYTES || used + Volume.maxRecordSize(openRaw + length) > capacity)) {
            used += Volume.maxRecordSize(openRaw);
            open = -1;
        }
        if (open < 0) {
            if (volumes == 0 || used + Volume.maxRecordSize(length) > capacity) {
                volumes++;
                used = 0;
            }
            open = records++;
            openRaw = 0;
        }
        Place p = new Place(volumes, open, openRaw);
        openRaw += length;
        return p;
    }

    /** Whether a chunk of {@code length} bytes fits an empty volume. */
    boolean fits(int length) {
        return Volume.maxRecordSize(length) <= capacity;
    }

    int volumes() {
        return volumes;
    }
}
