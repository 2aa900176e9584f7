package dev.ferry.upstreams.cluster;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.upstreams.oci.ManifestHead;
import dev.ferry.upstreams.oci.RegistryClient;
import dev.ferry.upstreams.oci.TagPage;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.MissCharge;
import dev.ferry.upstreams.pool.UpstreamPool;
import java.io.ByteArrayInputStream;
import java.net.http.HttpHeaders;

/**
 * A mirrored registry's client with the cluster's peers in front, for what a digest names (blobs, and manifests by
 * digest): a peer is asked at the path a client would use, {@code /v2/<registry>/<repository>/...}, and only when no
 * peer holds it does the registry's own client ask its endpoints. Tags, tag lists and referrers change, so they go
 * to the registry alone. The mirror checks a peer's bytes against the digest exactly as it checks an endpoint's.
 */
public final class PeersFirstRegistry implements RegistryClient {
    private static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.MANIFESTS);

    private final PeerClient peers;
    private final RegistryClient upstream;

    public PeersFirstRegistry(PeerClient peers, RegistryClient upstream) {
        this.peers = peers;
        this.upstream = upstream;
    }

    @Override
    public String registry() {
        return upstream.registry();
    }

    private String path(RepositoryName repository, String kind, Digest digest) {
        return "v2/" + upstream.registry() + "/" + repository + "/" + kind + "/" + digest;
    }

    @Override
    public FetchResult<ManifestHead> headManifest(RepositoryName repository, Reference reference) {
        if (reference instanceof Reference.ByDigest d) {
            FetchResult<HttpHeaders> held = MissCharge.chargedTo(
                    null, () -> peers.head(path(repository, "manifests", d.digest()), ACCEPT_MANIFESTS));
            if (held instanceof FetchResult.Fetched<HttpHeaders> f) {
                return new FetchResult.Fetched<>(head(f.value()), f.upstream());
            }
        }
        return upstream.headManifest(repository, reference);
    }

    @Override
    public <T> FetchResult<T> manifest(RepositoryName repository, Reference reference, ManifestHandler<T> handler) {
        if (reference instanceof Reference.ByDigest d) {
            FetchResult<T> held = MissCharge.chargedTo(
                    null,
                    () -> peers.fetchWhole(
                            path(repository, "manifests", d.digest()),
                            ACCEPT_MANIFESTS,
                            Manifest.MAX_SIZE,
                            (bytes, headers, peer) ->
                                    handler.handle(new ByteArrayInputStream(bytes), head(headers), peer)));
            if (held instanceof FetchResult.Fetched<T>) {
                return held;
            }
        }
        return upstream.manifest(repository, reference, handler);
    }

    @Override
    public <T> FetchResult<T> blob(RepositoryName repository, Digest digest, BodyHandler<T> handler) {
        FetchResult<T> held = MissCharge.chargedTo(null, () -> peers.fetch(path(repository, "blobs", digest), handler));
        return held instanceof FetchResult.Fetched<T> ? held : upstream.blob(repository, digest, handler);
    }

    @Override
    public FetchResult<Long> headBlob(RepositoryName repository, Digest digest) {
        FetchResult<HttpHeaders> held =
                MissCharge.chargedTo(null, () -> peers.head(path(repository, "blobs", digest), null));
        if (held instanceof FetchResult.Fetched<HttpHeaders> f) {
            return new FetchResult.Fetched<>(
                    f.value().firstValueAsLong("Content-Length").orElse(-1), f.upstream());
        }
        return upstream.headBlob(repository, digest);
    }

    @Override
    public FetchResult<TagPage> tags(RepositoryName repository, int n, String last) {
        return upstream.tags(repository, n, last);
    }

    @Override
    public FetchResult<byte[]> referrers(RepositoryName repository, Digest subject) {
        return upstream.referrers(repository, subject);
    }

    @Override
    public UpstreamPool pool() {
        return upstream.pool();
    }

    @Override
    public void close() {
        upstream.close();
    }

    /** As the registry client reads a manifest's response headers: an unparseable digest counts as none. */
    private static ManifestHead head(HttpHeaders headers) {
        Digest digest = null;
        String d = headers.firstValue("Docker-Content-Digest").orElse(null);
        if (d != null) {
            try {
                digest = Digest.parse(d.strip());
            } catch (IllegalArgumentException e) {
                // the body's hash decides
            }
        }
        return new ManifestHead(
                MediaTypes.essence(headers.firstValue("Content-Type").orElse(null)),
                digest,
                headers.firstValueAsLong("Content-Length").orElse(-1));
    }
}
