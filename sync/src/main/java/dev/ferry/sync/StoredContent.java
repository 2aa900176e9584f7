package dev.ferry.sync;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.semver.Version;

/** Something a prewarm item made sure is stored, for {@link PinSink}. */
public sealed interface StoredContent {
    /**
     * A Go module file; {@code sha256} is the stored object's digest (hex) when the mirror said it (a hit does; a
     * zip streamed while it downloaded does not), else null.
     */
    record GoFile(ModulePath module, Version version, PrewarmItem.Ext ext, String sha256, long size)
            implements StoredContent {}

    /** A manifest (manifest=true) or blob of an image, linked to {@code repository} of {@code registry}. */
    record OciContent(
            String registry, RepositoryName repository, Digest digest, String mediaType, long size, boolean manifest)
            implements StoredContent {}
}
