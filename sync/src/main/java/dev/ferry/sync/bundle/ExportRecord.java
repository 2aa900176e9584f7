package dev.ferry.sync.bundle;

import java.time.Instant;

/**
 * One bundle this ferry exported, kept in DATA/bundles/history.json: what went to which site.
 *
 * @param base      the bundle it was built on ({@code --since}), or null
 * @param inventory whether it was cut against a site inventory
 * @param bytes     the bundle's size on the medium
 */
public record ExportRecord(
        String id,
        String site,
        String base,
        boolean inventory,
        String directory,
        Instant created,
        long objects,
        long chunks,
        long bytes) {}
