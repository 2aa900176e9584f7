package dev.ferry.mirror.oci;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link CachingRegistryMirror} behaves: how long a resolved tag is served before it is resolved again
 * (a HEAD upstream), where downloads in progress spool, and how long a new blob's first client waits for the
 * verdict before its bytes start streaming. {@code offline}: the registry has no upstream ({@code --registry
 * NAME=off}, a disconnected site serving imported bundles): everything is answered from the store, nothing is
 * ever asked upstream.
 */
public record OciMirrorSettings(Duration tagTtl, Path spoolDir, long spoolMemoryLimit, boolean offline) {
    public OciMirrorSettings(Duration tagTtl, Path spoolDir, long spoolMemoryLimit) {
        this(tagTtl, spoolDir, spoolMemoryLimit, false);
    }

    public static OciMirrorSettings defaults(Path spoolDir) {
        return new OciMirrorSettings(Duration.ofMinutes(5), spoolDir, 4L * 1024 * 1024);
    }

    public OciMirrorSettings withOffline(boolean offline) {
        return new OciMirrorSettings(tagTtl, spoolDir, spoolMemoryLimit, offline);
    }
}
