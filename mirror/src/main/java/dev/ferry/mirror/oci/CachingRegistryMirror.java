package dev.ferry.mirror.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.storage.ContentStore;
import dev.ferry.upstreams.oci.RegistryClient;
import java.time.Clock;
import java.util.List;

/**
 * Pull-through cache of one upstream registry. STUB: the mirror work fills it in.
 */
public final class CachingRegistryMirror implements OciRepositories {
    private final ContentStore store;
    private final RegistryClient client;
    private final OciMirrorSettings settings;
    private final Clock clock;

    public CachingRegistryMirror(ContentStore store, RegistryClient client, OciMirrorSettings settings, Clock clock) {
        this.store = store;
        this.client = client;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public OciAnswer manifest(RepositoryName repository, Reference reference, boolean head) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public OciAnswer blob(RepositoryName repository, Digest digest, boolean head, String range) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public OciAnswer tags(RepositoryName repository, int n, String last) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public OciAnswer referrers(RepositoryName repository, Digest subject, String artifactType) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public List<RepositoryName> repositories() {
        throw new UnsupportedOperationException("stub");
    }
}
