package dev.ferry.upstreams;

import java.net.URI;

/**
 * One GOPROXY server as the client sees it: where it is, the name it reports under (metrics label, logs,
 * {@link FetchResult}), and what moves a request past it. Health, weight and circuit-breaker state will hang
 * off this identity, so it is the unit the fetch strategy iterates over.
 */
public record Upstream(URI base, String name, GoProxyList.FallThrough fallThrough) {

    public static Upstream of(GoProxyList.Entry entry) {
        return new Upstream(entry.base(), entry.base().toString(), entry.fallThrough());
    }

    /** {@code path} is an already-escaped proxy path without a leading slash. */
    public URI resolve(String path) {
        return URI.create(base + "/" + path);
    }
}
