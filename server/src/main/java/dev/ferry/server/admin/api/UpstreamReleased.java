package dev.ferry.server.admin.api;

import java.util.List;

/**
 * {@code POST /admin/api/upstreams/{name}/release}: what was lifted in each pool that has the upstream, and all of
 * it in one line ({@code released}).
 */
public record UpstreamReleased(String upstream, List<PoolRelease> pools, String released) {

    public record PoolRelease(String pool, String released, String breaker) {}
}
