package dev.ferry.upstreams.oci;

import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.UpstreamPool;

/**
 * The read side of the distribution API of one configured upstream registry (for example "docker.io"), asked
 * through its endpoints in failover order (any error moves on to the next endpoint; 404 from an endpoint is
 * final only when no endpoint failed). Authenticates as each endpoint asks ({@code WWW-Authenticate}: Bearer
 * token flow with tokens cached per endpoint and scope until expiry, or Basic), with the endpoint's configured
 * credentials or anonymously. Only configured endpoints, the token realms they name and the redirects they
 * answer with are ever dialled; nothing a ferry client sends chooses a host.
 *
 * <p>Repository names are the upstream's own (for docker.io, {@code library/alpine}, never {@code alpine}).
 */
public interface RegistryClient extends AutoCloseable {

    /** The registry's configured name ({@code docker.io}). */
    String registry();

    /** HEAD of a manifest, with an Accept header listing every manifest type ferry serves. */
    FetchResult<ManifestHead> headManifest(RepositoryName repository, Reference reference);

    /**
     * GET of a manifest. The handler gets the body, and the head as the response headers describe it; its
     * ContentRejected moves on to the next endpoint.
     */
    <T> FetchResult<T> manifest(RepositoryName repository, Reference reference, ManifestHandler<T> handler);

    /**
     * GET of a whole blob, following redirects (Authorization is not sent to a redirect's other host). A body
     * that breaks part-way is continued with a Range request, from the same or the next endpoint, so the handler
     * sees one unbroken stream; when that is impossible the handler's stream throws and the result is Failed.
     */
    <T> FetchResult<T> blob(RepositoryName repository, Digest digest, BodyHandler<T> handler);

    /**
     * HEAD of a blob: its size (Content-Length, -1 when absent) if the repository has it. Redirects are not
     * followed: a registry that redirects blob requests to storage has answered for the repository already.
     */
    FetchResult<Long> headBlob(RepositoryName repository, Digest digest);

    /** One page of the tags list ({@code n <= 0}: the upstream's default page). */
    FetchResult<TagPage> tags(RepositoryName repository, int n, String last);

    /**
     * The referrers index of {@code subject} (the OCI referrers API), as JSON bytes of at most 4 MiB.
     * NotFound when the upstream does not implement the API (404), so the caller can fall back to the tag schema.
     */
    FetchResult<byte[]> referrers(RepositoryName repository, Digest subject);

    /** The endpoints' health, shared with the admin API and metrics. */
    UpstreamPool pool();

    @Override
    void close();

    /** Consumes one manifest response body. */
    @FunctionalInterface
    interface ManifestHandler<T> {
        T handle(java.io.InputStream body, ManifestHead head, String endpoint)
                throws java.io.IOException, dev.ferry.upstreams.pool.ContentRejected;
    }
}
