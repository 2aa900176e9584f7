package dev.ferry.upstreams.pool;

import java.net.URI;

/**
 * One upstream server as a pool sees it: where it is, the name it reports under (metrics label, logs,
 * {@link FetchResult}, admin API), what moves a request past it, its share of traffic under the weighted
 * strategy, how to authenticate and how long to wait for it. Protocol clients (GOPROXY, sumdb, OCI) all
 * use this one shape, so health and breaker state hang off the same identity everywhere.
 */
public record Upstream(
        URI base,
        String name,
        AfterFailure afterFailure,
        int weight,
        Credentials credentials,
        UpstreamTimeouts timeouts) {

    public Upstream {
        if (weight < 1) {
            throw new IllegalArgumentException("weight of " + name + " must be at least 1, not " + weight);
        }
    }

    public Upstream withDetails(int weight, Credentials credentials, UpstreamTimeouts timeouts) {
        return new Upstream(base, name, afterFailure, weight, credentials, timeouts);
    }

    /** Whether a failure here moves a request on to the next upstream, in a pool of {@code strategy}. */
    public boolean movesOnAfterFailure(Strategy strategy) {
        return strategy == Strategy.WEIGHTED || afterFailure == AfterFailure.MOVE_ON;
    }

    /** {@code path} is an already-escaped proxy path without a leading slash. */
    public URI resolve(String path) {
        return URI.create(base + "/" + path);
    }
}
