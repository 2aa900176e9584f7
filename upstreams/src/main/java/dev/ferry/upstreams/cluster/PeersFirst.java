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
 * asked of the peers first, and of {@code upstream} only when no peer holds it (or none could answer). Everything
 * else (lists, {@code @latest}, queries, the database's latest tree) goes to the upstream alone: a peer's copy of a
 * mutable answer may be older than the upstream's. The same handler reads either answer, so a peer's file passes
 * exactly the checks an upstream's does before it is stored.
 */
public final class PeersFirst implements GoProxyClient {
    private final PeerClient peers;
    private final GoProxyClient upstream;
    private final Predicate<String> immutable;

    /**
     * @param upstream  asked when no peer holds the file; null when there is none (the result is then the peers')
     * @param immutable which paths the peers are asked for
     */
    public PeersFirst(PeerClient peers, GoProxyClient upstream, Predicate<String> immutable) {
        this.peers = peers;
        this.upstream = upstream;
        this.immutable = immutable;
    }

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        if (!immutable.test(path)) {
            return upstream == null ? new FetchResult.NotFound<>(404, "no upstream") : upstream.fetch(path, handler);
        }
        FetchResult<T> fromPeers = MissCharge.chargedTo(null, () -> peers.fetch(path, handler));
        if (fromPeers instanceof FetchResult.Fetched<T> || upstream == null) {
            return fromPeers;
        }
        return upstream.fetch(path, handler);
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
}
