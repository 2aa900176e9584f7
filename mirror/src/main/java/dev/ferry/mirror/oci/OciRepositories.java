package dev.ferry.mirror.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import java.util.List;

/**
 * The read side of the distribution API for one registry target: a mirrored upstream registry
 * ({@link CachingRegistryMirror}) or the hosted repositories. Names are the target's own (for the docker.io
 * mirror, {@code library/alpine}); the server has already routed and validated them.
 */
public interface OciRepositories {

    /** GET (head=false) or HEAD of a manifest by tag or digest. */
    OciAnswer manifest(RepositoryName repository, Reference reference, boolean head);

    /** GET or HEAD of a blob; {@code range} is the raw Range header or null. */
    OciAnswer blob(RepositoryName repository, Digest digest, boolean head, String range);

    /**
     * After a blob was read whole through {@link #blob}: returns once it is stored, answered as a HEAD from the store,
     * or with why it was not stored. A mirror gives a cold blob's last byte before its commit (docs/storage.md), so
     * a caller that relies on the blob being stored (prewarm, which pins it next) asks this first.
     */
    default OciAnswer blobStored(RepositoryName repository, Digest digest) {
        return blob(repository, digest, true, null);
    }

    /** Tags in lexical order after {@code last} (null: from the start), at most {@code n} ({@code n < 0}: all). */
    OciAnswer tags(RepositoryName repository, int n, String last);

    /** The referrers of {@code subject}, optionally only those of {@code artifactType} (null: all). */
    OciAnswer referrers(RepositoryName repository, Digest subject, String artifactType);

    /** Every repository this target holds content for, in lexical order (for {@code /v2/_catalog}). */
    List<RepositoryName> repositories();
}
