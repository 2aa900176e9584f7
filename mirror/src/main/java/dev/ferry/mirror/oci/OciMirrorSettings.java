package dev.ferry.mirror.oci;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link CachingRegistryMirror} behaves: how long a resolved tag is served before it is resolved again
 * (a HEAD upstream), where downloads in progress spool, and how long a new blob's first client waits for the
 * verdict before its bytes start streaming.
 */
public record OciMirrorSettings(Duration tagTtl, Path spoolDir, long spoolMemoryLimit) {
    public static OciMirrorSettings defaults(Path spoolDir) {
        return new OciMirrorSettings(Duration.ofMinutes(5), spoolDir, 4L * 1024 * 1024);
    }
}
