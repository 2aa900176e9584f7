package dev.ferry.mirror.go;

import java.nio.file.Path;
import java.time.Duration;

/**
 * listTtl: how long @v/list, @latest and version queries are served before asking upstream again;
 * notFoundTtl: how long a 404/410 from upstream is remembered (in memory, at most negativeCacheEntries);
 * spoolDir: where downloads in progress larger than spoolMemoryBytes are kept while clients follow them
 * (put it on the data volume; null means the system temporary directory);
 * spoolMemoryBytes: up to this many bytes of a download in progress stay in memory (per download);
 * zipHoldBack: how long a .zip miss waits for its download to be checked and stored before it starts streaming
 * it instead: a zip that arrives (or is refused) within that time gets a complete answer, so a refusal reaches the
 * client as a 502 with its reason (module, both hashes) rather than as a connection cut before the last byte.
 */
public record GoMirrorSettings(
        Duration listTtl,
        Duration notFoundTtl,
        Path spoolDir,
        long spoolMemoryBytes,
        int negativeCacheEntries,
        Duration zipHoldBack) {

    public GoMirrorSettings(
            Duration listTtl, Duration notFoundTtl, Path spoolDir, long spoolMemoryBytes, int negativeCacheEntries) {
        this(listTtl, notFoundTtl, spoolDir, spoolMemoryBytes, negativeCacheEntries, Duration.ZERO);
    }

    public GoMirrorSettings {
        if (listTtl.isNegative() || notFoundTtl.isNegative()) {
            throw new IllegalArgumentException("TTLs must not be negative");
        }
        if (spoolMemoryBytes < 0 || spoolMemoryBytes > (256L << 20)) {
            throw new IllegalArgumentException(
                    "spoolMemoryBytes must be between 0 and 256 MiB, not " + spoolMemoryBytes);
        }
        if (zipHoldBack == null || zipHoldBack.isNegative()) {
            throw new IllegalArgumentException("zipHoldBack must not be negative");
        }
        if (negativeCacheEntries < 0) {
            throw new IllegalArgumentException("negativeCacheEntries must not be negative");
        }
    }

    public GoMirrorSettings(Duration listTtl, Duration notFoundTtl) {
        this(
                listTtl,
                notFoundTtl,
                null,
                defaults().spoolMemoryBytes(),
                defaults().negativeCacheEntries());
    }

    public static GoMirrorSettings defaults() {
        return new GoMirrorSettings(Duration.ofMinutes(5), Duration.ofMinutes(1), null, 1L << 20, 10_000);
    }

    public GoMirrorSettings withSpoolDir(Path dir) {
        return new GoMirrorSettings(listTtl, notFoundTtl, dir, spoolMemoryBytes, negativeCacheEntries, zipHoldBack);
    }

    public GoMirrorSettings withZipHoldBack(Duration holdBack) {
        return new GoMirrorSettings(listTtl, notFoundTtl, spoolDir, spoolMemoryBytes, negativeCacheEntries, holdBack);
    }
}
