package dev.ferry.sync.bundle;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One export. Paths are on the server's filesystem (where the medium is mounted).
 *
 * @param to            the directory the bundle goes into: a bundle is written as {@code to/<bundle id>/}
 * @param site          the receiving site's label, for the history (may be empty)
 * @param inventory     a file written by {@code ferry inventory} at the site: ship only what it lacks
 * @param since         an earlier bundle id to the same site: ship only what was added since (with its ancestors)
 * @param maxVolumeSize the largest volume file, in bytes (the medium's file size limit)
 * @param mirrorSets    mirror-set definitions (name to YAML text) that go with the bundle
 */
public record ExportRequest(
        Path to,
        Selection selection,
        BundleFormat format,
        String site,
        Optional<Path> inventory,
        Optional<String> since,
        long maxVolumeSize,
        Map<String, String> mirrorSets) {
    /** FAT32's largest file: 4 GiB less one byte. */
    public static final long DEFAULT_MAX_VOLUME_SIZE = (4L << 30) - 1;
    /** A volume must hold the largest chunk (1 MiB: image layers are cut in fixed 1 MiB chunks) and its framing. */
    public static final long MIN_MAX_VOLUME_SIZE = 2L << 20;

    public ExportRequest {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(format, "format");
        site = site == null ? "" : site;
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(since, "since");
        mirrorSets = Map.copyOf(mirrorSets);
        if (inventory.isPresent() && since.isPresent()) {
            throw new IllegalArgumentException("give an inventory or a bundle to build on, not both");
        }
        if (maxVolumeSize < MIN_MAX_VOLUME_SIZE) {
            throw new IllegalArgumentException("the volume size must be at least 2 MiB");
        }
    }
}
