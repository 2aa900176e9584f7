package dev.ferry.upstreams.goproxy;

import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FetchResult;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link GoProxyList} with {@code direct} at its end: the proxies' walk first, then the module's origin, with
 * the go command's rules for the separator before {@code direct} (cmd/go/internal/modfetch/proxy.go, tryProxies).
 * The origin is asked when the proxies said 404/410, and after a failure only if every proxy that failed was
 * followed by a {@code |}: after a {@code ,} the go command stops at a failure, and so does ferry, so a proxy's
 * outage never sends every request of a site to version control. When both fail, the answer carries both
 * reasons.
 */
public final class GoUpstreamChain implements GoProxyClient {
    private final GoProxyList list;
    private final GoProxyClient proxies;
    private final GoProxyClient direct;

    /**
     * @param proxies the walk over {@code list}'s proxies (not asked when it has none)
     * @param direct  the origin fetcher {@code direct} stands for
     */
    public GoUpstreamChain(GoProxyList list, GoProxyClient proxies, GoProxyClient direct) {
        if (!list.direct()) {
            throw new IllegalArgumentException("no direct at the end of " + list);
        }
        this.list = list;
        this.proxies = proxies;
        this.direct = direct;
    }

    @Override
    public <T> FetchResult<T> fetch(String path, BodyHandler<T> handler) {
        if (list.entries().isEmpty()) {
            return direct.fetch(path, handler);
        }
        FetchResult<T> first = proxies.fetch(path, handler);
        return switch (first) {
            case FetchResult.Fetched<T> f -> f;
            case FetchResult.NotFound<T> n -> direct.fetch(path, handler);
            case FetchResult.Failed<T> failed -> {
                if (!failed.attempts().stream().allMatch(a -> list.directAfterFailureOf(a.upstream()))) {
                    yield failed;
                }
                FetchResult<T> second = direct.fetch(path, handler);
                if (second instanceof FetchResult.Failed<T> f2) {
                    List<FetchResult.Attempt> both = new ArrayList<>(failed.attempts());
                    both.addAll(f2.attempts());
                    yield new FetchResult.Failed<>(both);
                }
                yield second;
            }
        };
    }
}
