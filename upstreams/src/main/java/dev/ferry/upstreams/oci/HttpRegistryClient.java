package dev.ferry.upstreams.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.upstreams.BodyHandler;
import dev.ferry.upstreams.FetchResult;
import dev.ferry.upstreams.PoolSettings;
import dev.ferry.upstreams.Upstream;
import dev.ferry.upstreams.UpstreamEvents;
import dev.ferry.upstreams.UpstreamPool;
import java.time.Clock;
import java.util.List;

/**
 * {@link RegistryClient} on the JDK HttpClient over an {@link UpstreamPool} of the registry's endpoints.
 * Each endpoint's {@link Upstream#credentials()} are used for Basic challenges and for the token realm.
 * STUB: the upstreams work fills it in.
 */
public final class HttpRegistryClient implements RegistryClient {
    private final String registry;
    private final UpstreamPool pool;

    public HttpRegistryClient(String registry, List<Upstream> endpoints, PoolSettings settings, UpstreamEvents events,
                              Clock clock) {
        this.registry = registry;
        this.pool = new UpstreamPool(endpoints, settings, clock, events);
    }

    @Override
    public String registry() {
        return registry;
    }

    @Override
    public FetchResult<ManifestHead> headManifest(RepositoryName repository, Reference reference) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public <T> FetchResult<T> manifest(RepositoryName repository, Reference reference, ManifestHandler<T> handler) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public <T> FetchResult<T> blob(RepositoryName repository, Digest digest, BodyHandler<T> handler) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public FetchResult<TagPage> tags(RepositoryName repository, int n, String last) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public FetchResult<byte[]> referrers(RepositoryName repository, Digest subject) {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public UpstreamPool pool() {
        return pool;
    }

    /** Starts the active probe of endpoints whose breakers are open. */
    public void startProbing() {
    }

    @Override
    public void close() {
        pool.close();
    }
}
