package dev.ferry.upstreams;

import java.net.URI;

/**
 * One upstream server as a pool sees it: where it is, the name it reports under (metrics label, logs,
 * {@link FetchResult}, admin API), what moves a request past it, its share of traffic under the weighted
 * strategy, how to authenticate and how long to wait for it. Protocol clients (GOPROXY, sumdb, later OCI) all
 * use this one shape, so health and breaker state hang off the same identity everywhere.
 */
public record Upstream(URI base, String name, GoProxyList.FallThrough fallThrough, int weight,
                       Credentials credentials, UpstreamTimeouts timeouts) {

    public Upstream {
        if (weight < 1) {
            throw new IllegalArgumentException("weight of " + name + " must be at least 1, not " + weight);
        }
    }

    public static Upstream of(GoProxyList.Entry entry) {
        return of(entry, UpstreamTimeouts.defaults());
    }

    public static Upstream of(GoProxyList.Entry entry, UpstreamTimeouts timeouts) {
        return new Upstream(entry.base(), entry.base().toString(), entry.fallThrough(), 1, Credentials.NONE, timeouts);
    }

    public Upstream withDetails(int weight, Credentials credentials, UpstreamTimeouts timeouts) {
        return new Upstream(base, name, fallThrough, weight, credentials, timeouts);
    }

    /** {@code path} is an already-escaped proxy path without a leading slash. */
    public URI resolve(String path) {
        return URI.create(base + "/" + path);
    }
}
