package dev.ferry.server.http;

import dev.ferry.mirror.Body;
import dev.ferry.mirror.BytesBody;
import dev.ferry.mirror.StoredBody;
import dev.ferry.mirror.go.GoStoreNames;
import dev.ferry.mirror.oci.OciStoreNames;
import dev.ferry.mirror.sumdb.SumdbMirror;
import dev.ferry.mirror.sumdb.SumdbRequest;
import dev.ferry.mirror.sumdb.SumdbStore;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import dev.ferry.storage.NamedObjectStore;
import dev.ferry.storage.StoredObject;
import dev.ferry.upstreams.cluster.KeyOwners;
import dev.ferry.upstreams.cluster.OwnerFetch;
import dev.ferry.upstreams.cluster.PeerClient;
import dev.ferry.upstreams.cluster.RoutingKey;
import dev.ferry.upstreams.pool.MissCharge;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Answers the other nodes of the cluster: a request carrying {@link PeerClient#TOKEN_HEADER} is answered from this
 * node's store only, 200 with the stored bytes or 404 "not held by this node". It never reaches a mirror, so it
 * can neither make this node ask an upstream nor ask its own peers: a peer request cannot loop or reach the slow
 * link. Only what a client could ask and what never changes is answered: a module's {@code .info} (canonical
 * version), {@code .mod} and {@code .zip}, a checksum database's lookups and tiles, and a mirrored registry's
 * blobs and manifests by digest, where the repository holds them. The token must be this node's cluster token,
 * compared in constant time; without it (or with no token configured) the answer is 403, before the path is read.
 * A valid token stands in for pull access: the nodes are one site.
 *
 * <p>An owner fetch ({@link OwnerFetch#FETCH_HEADER}{@code : owner}, docs/cluster.md) is the one peer request that
 * reaches the mirror: for a module's file or a checksum database's lookup, tile or tree head whose key this node
 * owns on the ring ({@link KeyOwners}), it is served as a client's request would be (store, shared download,
 * checks, store again), so the cluster fetches the file once, here. A key this node does not own is refused with
 * 421 before anything is looked up, so a non-owner never fetches on another's behalf; and the owner, asked for a key
 * it owns, never sends an owner fetch itself, so the request goes no further. An owner fetch naming nodes the asker
 * found down ({@link OwnerFetch#DOWN_HEADER}, members of the ring only, else 400) is accepted when this node owns the
 * key on the ring without them (the fallback owner HAProxy now sends the key's clients to), and served with the key
 * marked ({@link OwnerFetch#servingFor}): this node then asks no owner for it, so that request goes no further either.
 */
public final class PeerAnswers {
    static final HeaderName TOKEN = HeaderNames.create(PeerClient.TOKEN_HEADER);
    static final HeaderName NODE = HeaderNames.create(PeerClient.NODE_HEADER);
    static final HeaderName FETCH = HeaderNames.create(OwnerFetch.FETCH_HEADER);
    static final HeaderName DOWN = HeaderNames.create(OwnerFetch.DOWN_HEADER);
    private static final Status NOT_OWNER = Status.create(OwnerFetch.NOT_OWNER, "Misdirected Request");
    private static final HeaderName DOCKER_CONTENT_DIGEST = HeaderNames.create("Docker-Content-Digest");
    private static final String NOT_HELD = "not held by this node";

    private final byte[] tokenDigest;
    private final Header node;
    private final NamedObjectStore store;
    private final List<String> databases;
    private final Set<String> registries;
    private final FerryMetrics metrics;
    private OwnerFetch owners;
    private Consumer<Exchange> mirror;

    /**
     * @param token      the cluster token, or null: then every peer request is refused
     * @param nodeId     this node's id, sent with every answer (so a node that asks itself knows)
     * @param databases  the checksum databases this node serves
     * @param registries the names of the registries this node mirrors
     */
    public PeerAnswers(
            String token,
            String nodeId,
            NamedObjectStore store,
            List<SumdbMirror> databases,
            Set<String> registries,
            FerryMetrics metrics) {
        this.tokenDigest = token == null ? null : sha256(token);
        this.node = HeaderValues.create(NODE, nodeId);
        this.store = store;
        this.databases = databases.stream().map(SumdbMirror::name).toList();
        this.registries = Set.copyOf(registries);
        this.metrics = metrics;
    }

    /**
     * Serves owner fetches of the keys {@code owners}' ring gives this node through {@code mirror} (the route a
     * client's request of the same path takes); without this, every owner fetch is refused with 421.
     */
    PeerAnswers fetchAsOwner(OwnerFetch owners, Consumer<Exchange> mirror) {
        this.owners = owners;
        this.mirror = mirror;
        return this;
    }

    /**
     * Whether {@code x} is a peer request: it carries the token header or the owner-fetch header, whatever their
     * values (an owner fetch without the token is refused, not served as a client's request).
     */
    static boolean asks(Exchange x) {
        return x.req.headers().contains(TOKEN) || x.req.headers().contains(FETCH);
    }

    void handle(Exchange x) {
        x.endpoint = endpoint(x.rawPath);
        x.res.header(node);
        x.res.header(Exchange.NO_STORE);
        if (tokenDigest == null) {
            answer(x, Status.FORBIDDEN_403, "refused", "this node answers no peer requests: it has no cluster token");
            return;
        }
        String given = x.req.headers().first(TOKEN).orElse("");
        // Over SHA-256 digests, so neither the token's content nor its length shows in the time taken.
        if (!MessageDigest.isEqual(tokenDigest, sha256(given.strip()))) {
            answer(x, Status.FORBIDDEN_403, "refused", "wrong cluster token in " + PeerClient.TOKEN_HEADER);
            return;
        }
        Method method = x.req.prologue().method();
        if (!Method.GET.equals(method) && !x.head) {
            answer(x, Status.METHOD_NOT_ALLOWED_405, "bad_request", "peer requests are GET or HEAD");
            return;
        }
        if (x.req.prologue().hasQuery() && !x.req.prologue().query().rawValue().isEmpty()) {
            answer(x, Status.BAD_REQUEST_400, "bad_request", "peer requests take no query string");
            return;
        }
        if (x.req.headers().contains(FETCH)) {
            fetchAsOwner(x);
            return;
        }
        Optional<Held> held;
        try {
            held = held(x.rawPath);
        } catch (IllegalArgumentException e) {
            // FormatException and its kinds (module path, version, sumdb path, OCI name or digest): a 400, but a
            // well-formed path that cannot exist is a 404, as for a client (GoProxyHandler.rejectionStatus).
            int status = GoProxyHandler.rejectionStatus(e);
            if (status == 404) {
                answer(x, Status.NOT_FOUND_404, "not_found", NOT_HELD);
                return;
            }
            String why = e.getMessage() == null ? "bad request" : e.getMessage();
            answer(
                    x,
                    Status.create(status),
                    "bad_request",
                    why.strip().replace('\n', ' ').replace('\r', ' '));
            return;
        }
        if (held.isEmpty()) {
            answer(x, Status.NOT_FOUND_404, "not_found", NOT_HELD);
            return;
        }
        metrics.peerAnswered("found");
        x.cache = FerryMetrics.Cache.HIT;
        Held h = held.get();
        if (h.digest() != null) {
            x.res.header(HeaderValues.create(DOCKER_CONTENT_DIGEST, h.digest().toString()));
        }
        Header contentType = HeaderValues.create(HeaderNames.CONTENT_TYPE, h.contentType());
        x.res.status(Status.OK_200);
        if (x.head) {
            x.res.header(contentType);
            x.res.contentLength(h.body().length());
            x.res.send();
            return;
        }
        BodySender.send(x, h.body(), h.body().length(), contentType);
    }

    /** An owner fetch: served through the mirror when this node owns the key, else refused. */
    private void fetchAsOwner(Exchange x) {
        String value = x.req.headers().first(FETCH).orElse("").strip();
        if (!value.equals(OwnerFetch.OWNER)) {
            answer(x, Status.BAD_REQUEST_400, "bad_request", OwnerFetch.FETCH_HEADER + " must be \"owner\"");
            return;
        }
        if (x.head) {
            answer(x, Status.METHOD_NOT_ALLOWED_405, "bad_request", "owner fetches are GET");
            return;
        }
        boolean fetchable;
        try {
            fetchable = ownerFetchable(x.rawPath);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() == null ? "bad request" : e.getMessage();
            answer(
                    x,
                    Status.BAD_REQUEST_400,
                    "bad_request",
                    why.strip().replace('\n', ' ').replace('\r', ' '));
            return;
        }
        if (!fetchable) {
            answer(
                    x,
                    Status.BAD_REQUEST_400,
                    "bad_request",
                    "owner fetches are for a module's .info (canonical version), .mod and .zip and a checksum"
                            + " database's lookups, tiles and latest");
            return;
        }
        if (owners == null || mirror == null) {
            answer(
                    x,
                    NOT_OWNER,
                    "not_owner",
                    "this node fetches for no other: it does not know its place on the ring (cluster.self)");
            return;
        }
        List<URI> down = new ArrayList<>();
        for (String header : x.req.headers().all(DOWN, List::of)) {
            for (String item : header.split(",", -1)) {
                URI node = member(item.strip());
                if (node == null) {
                    answer(
                            x,
                            Status.BAD_REQUEST_400,
                            "bad_request",
                            OwnerFetch.DOWN_HEADER
                                    + " names only nodes of the cluster (cluster.peers), comma-separated");
                    return;
                }
                down.add(node);
            }
        }
        KeyOwners ring = owners.owners();
        Optional<URI> owner = down.isEmpty() ? Optional.of(ring.owner(x.rawPath)) : ring.owner(x.rawPath, down);
        if (owner.isEmpty() || !owner.get().equals(ring.self())) {
            String who = owner.map(o -> o + " owns it").orElse("no node is left to own it");
            answer(
                    x,
                    NOT_OWNER,
                    "not_owner",
                    "not the owner of " + RoutingKey.of(x.rawPath) + (down.isEmpty() ? "" : " without " + down) + ": "
                            + who);
            return;
        }
        metrics.peerAnswered("owner_fetch");
        x.clusterPeer = true;
        // Charged to nobody: the asking node's client was charged for the miss where it began.
        MissCharge.chargedTo(
                null,
                () -> owners.servingFor(x.rawPath, () -> {
                    mirror.accept(x);
                    return null;
                }));
    }

    /** The base URL {@code text} names when it is a node of the ring, else null. */
    private URI member(String text) {
        try {
            URI node = new URI(text);
            return node.isAbsolute() && owners.owners().member(node) ? node : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** What an owner fetch may ask: the immutable files peers ask for, and a database's tree head. */
    private boolean ownerFetchable(String rawPath) {
        if (rawPath.startsWith(OciHandler.PREFIX)) {
            return false;
        }
        if (rawPath.startsWith(SumdbHandler.PREFIX)) {
            for (String db : databases) {
                String prefix = SumdbHandler.PREFIX + db + "/";
                if (rawPath.startsWith(prefix)) {
                    return switch (SumdbMirror.parse(rawPath.substring(prefix.length()))) {
                        case SumdbRequest.LookupRequest l -> true;
                        case SumdbRequest.TileRequest t -> true;
                        case SumdbRequest.Latest l -> true;
                        default -> false;
                    };
                }
            }
            return false;
        }
        return switch (ProxyRequest.parse(rawPath)) {
            case ProxyRequest.Info r -> r.version().isCanonical();
            case ProxyRequest.Mod r -> true;
            case ProxyRequest.Zip r -> true;
            default -> false;
        };
    }

    private void answer(Exchange x, Status status, String outcome, String text) {
        metrics.peerAnswered(outcome);
        x.sendText(status, text);
    }

    /** What the store holds for a peer's path; empty when it holds nothing there (or nothing a peer may ask). */
    private Optional<Held> held(String rawPath) {
        if (rawPath.startsWith(OciHandler.PREFIX)) {
            return registry(rawPath);
        }
        if (rawPath.startsWith(SumdbHandler.PREFIX)) {
            return sumdb(rawPath);
        }
        return switch (ProxyRequest.parse(rawPath)) {
            case ProxyRequest.Info r
            when r.version().isCanonical() ->
                stored(GoStoreNames.file(r.module(), r.version(), "info"), "application/json");
            case ProxyRequest.Mod r ->
                stored(GoStoreNames.file(r.module(), r.version(), "mod"), "text/plain; charset=utf-8");
            case ProxyRequest.Zip r -> stored(GoStoreNames.file(r.module(), r.version(), "zip"), "application/zip");
            default -> Optional.empty();
        };
    }

    private Optional<Held> stored(String name, String contentType) {
        return store.resolve(name).map(o -> new Held(new StoredBody(store, o), contentType, null));
    }

    private Optional<Held> sumdb(String rawPath) {
        for (String db : databases) {
            String prefix = SumdbHandler.PREFIX + db + "/";
            if (!rawPath.startsWith(prefix)) {
                continue;
            }
            SumdbStore records = new SumdbStore(store, db);
            return switch (SumdbMirror.parse(rawPath.substring(prefix.length()))) {
                case SumdbRequest.LookupRequest l ->
                    records.lookup(l.lookup()).map(b -> new Held(new BytesBody(b), "text/plain; charset=utf-8", null));
                case SumdbRequest.TileRequest t ->
                    records.tile(t.tile()).map(b -> new Held(new BytesBody(b), "application/octet-stream", null));
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }

    /** A blob or a manifest by digest, in a repository of a mirrored registry that holds it (is linked to it). */
    private Optional<Held> registry(String rawPath) {
        RegistryRequest request = RegistryRequest.parse(rawPath);
        RepositoryName full;
        Digest digest;
        boolean manifest;
        switch (request) {
            case RegistryRequest.Blob b -> {
                full = b.name();
                digest = b.digest();
                manifest = false;
            }
            case RegistryRequest.Manifest m
            when m.reference() instanceof Reference.ByDigest d -> {
                full = m.name();
                digest = d.digest();
                manifest = true;
            }
            default -> {
                return Optional.empty();
            }
        }
        RepositoryName repository = full.withoutFirst();
        if (repository == null || !registries.contains(full.first())) {
            return Optional.empty();
        }
        OciStoreNames.Target target = OciStoreNames.Target.mirror(full.first());
        if (store.meta(OciStoreNames.link(target, repository, digest)).isEmpty()) {
            return Optional.empty();
        }
        String contentType = "application/octet-stream";
        if (manifest) {
            Optional<byte[]> type = store.meta(OciStoreNames.manifestType(digest));
            if (type.isEmpty()) {
                return Optional.empty();
            }
            contentType = new String(type.get(), StandardCharsets.UTF_8);
        }
        Optional<StoredObject> object = store.resolve(OciStoreNames.blob(digest));
        String type = contentType;
        return object.map(o -> new Held(new StoredBody(store, o), type, digest));
    }

    private static Endpoint endpoint(String rawPath) {
        if (rawPath.startsWith(OciHandler.PREFIX)) {
            return rawPath.contains("/manifests/") ? Endpoint.OCI_MANIFEST : Endpoint.OCI_BLOB;
        }
        if (rawPath.startsWith(SumdbHandler.PREFIX)) {
            return Endpoint.SUMDB;
        }
        return rawPath.endsWith(".zip")
                ? Endpoint.ZIP
                : rawPath.endsWith(".mod") ? Endpoint.MOD : rawPath.endsWith(".info") ? Endpoint.INFO : Endpoint.OTHER;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What is sent: the body, its type, and for a registry's content the digest it is stored under. */
    private record Held(Body body, String contentType, Digest digest) {}
}
