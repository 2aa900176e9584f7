package dev.ferry.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One scheduled export (config {@code bundles.sync}): every {@code every}, an incremental bundle of what was added
 * since the last bundle to {@code site} is written into {@code to} (a full one the first time).
 *
 * @param set           a mirror-set file: export what it selects; empty: everything
 * @param maxVolumeSize the largest volume file in bytes
 * @param source        where it was configured (file:line), for messages
 */
public record BundleSync(String site, Path to, Duration every, Optional<Path> set, long maxVolumeSize, String source) {
    /** Runs closer together than this would mostly write empty bundles; refused as a likely unit mistake. */
    public static final Duration MIN_EVERY = Duration.ofMinutes(1);

    public BundleSync {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(set, "set");
    }
}
