package dev.ferry.upstreams.cluster;

import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.goproxy.ProxyRequestException;
import dev.ferry.upstreams.goproxy.GoProxyClient;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.MissCharge;
import java.util.function.Predicate;

/**
 * A GOPROXY source with the cluster's peers in front: a path that names immutable content ({@code immutable}) is
 * asked of its owner first when another node owns it ({@link OwnerFetch}: the owner fetches it through its own mirror,
 * so the cluster downloads it once), then of the peers' stores, and of {@code upstream} only when none of them had
 * it (or could answer). The checksum database's tree head is asked of its owner too, then of the upstream (a
 * peer's stored head may be older than the upstream's; the owner's is fresh or refused). Everything else (lists,
 * {@code @latest}, queries) goes to the upstream alone. The same handler reads every answer, so a file from the
 * owner or a peer passes exactly the checks an upstream's does before it is stored.
 */
public final class PeersFirst implements GoProxyClient {
    private final PeerClient peers;
    private final OwnerFetch owner;
    private final GoProxyClient upstream;
    private final Predicate<String> immutable;

    /** Without owner fetches (a node that does not know its place on the ring). */
    public PeersFirst(PeerClient peers, GoProxyClient upstream, Predicate<String> immutable) {
        this(peers, null, upstream, immutable);
    }

    /**
     * @param owner     asks a key's owner to fetch it; null for none
     * @param upstream  asked when no peer holds the file; null when there is none (the result is then the peers')
     * @param immutable which paths the peers are asked for
     */
    public PeersFirst(PeerClient peers, OwnerFetch owner, GoProxyClient upstream, Predicate<String> immutable) {
        this.peers = peers;
        this.owner = owner;
        this.upstream = upstream;
        this.immutable = immutable;
    }

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        boolean stored = immutable.test(path);
        if (owner != null && (stored || sumdbTreeHead(path)) && owner.ownedElsewhere(path)) {
            FetchResult<T> fromOwner = MissCharge.chargedTo(null, () -> owner.fetch(path, handler));
            if (fromOwner instanceof FetchResult.Fetched<T> || isFinal(fromOwner)) {
                return fromOwner;
            }
        }
        if (!stored) {
            return upstream == null ? new FetchResult.NotFound<>(404, "no upstream") : upstream.fetch(path, handler);
        }
        FetchResult<T> fromPeers = MissCharge.chargedTo(null, () -> peers.fetch(path, handler));
        if (fromPeers instanceof FetchResult.Fetched<T> || upstream == null) {
            return fromPeers;
        }
        return upstream.fetch(path, handler);
    }

    /** The owner's 404 or 410: its upstream's answer, which asking the upstream again would only repeat. */
    private static boolean isFinal(FetchResult<?> r) {
        return r instanceof FetchResult.NotFound<?> n && (n.status() == 404 || n.status() == 410);
    }

    /** A module's {@code .info} of a canonical version, {@code .mod} or {@code .zip}: what never changes. */
    public static boolean moduleFile(String path) {
        try {
            return switch (ProxyRequest.parse("/" + path)) {
                case ProxyRequest.Info i -> i.version().isCanonical();
                case ProxyRequest.Mod m -> true;
                case ProxyRequest.Zip z -> true;
                case ProxyRequest.List l -> false;
                case ProxyRequest.Latest l -> false;
            };
        } catch (ProxyRequestException e) {
            return false;
        }
    }

    /**
     * A checksum database's lookup or tile under {@code sumdb/<db>/}: verified records, and tiles whose content the
     * path fixes (a partial tile {@code .p/W} is the first W hashes, whatever the log grows to). Only {@code latest}
     * changes.
     */
    public static boolean sumdbRecord(String path) {
        if (!path.startsWith("sumdb/")) {
            return false;
        }
        int slash = path.indexOf('/', "sumdb/".length());
        if (slash < 0) {
            return false;
        }
        String rest = path.substring(slash + 1);
        return rest.startsWith("lookup/") || rest.startsWith("tile/");
    }

    /** A checksum database's signed tree head, {@code sumdb/<db>/latest}: mutable, so asked of its owner only. */
    public static boolean sumdbTreeHead(String path) {
        return path.startsWith("sumdb/")
                && path.endsWith("/latest")
                && path.indexOf('/', "sumdb/".length()) == path.length() - "/latest".length();
    }
}
