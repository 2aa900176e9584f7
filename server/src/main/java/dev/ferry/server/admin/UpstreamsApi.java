package dev.ferry.server.admin;

import dev.ferry.server.admin.api.UpstreamHealth;
import dev.ferry.server.admin.api.UpstreamReleased;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstream part of the admin API, independent of HTTP: each pool's health, and the release of a quarantined
 * upstream. Shows no credentials, only their kind.
 */
public final class UpstreamsApi {
    /** Pools by the name the API shows them under ("go", "sumdb", registries). */
    private final Map<String, UpstreamPool> pools;

    public UpstreamsApi(Map<String, UpstreamPool> pools) {
        this.pools = Map.copyOf(pools);
    }

    /** {@code GET /admin/api/upstreams}: pools sorted by name, each pool's upstreams in its order. */
    public UpstreamHealth health() {
        Map<String, UpstreamHealth.Pool> out = new LinkedHashMap<>();
        pools.keySet().stream().sorted().forEach(name -> {
            UpstreamPool pool = pools.get(name);
            out.put(
                    name,
                    new UpstreamHealth.Pool(
                            pool.settings().strategy().label(),
                            pool.status().stream().map(UpstreamsApi::upstream).toList()));
        });
        return new UpstreamHealth(out);
    }

    private static UpstreamHealth.Upstream upstream(UpstreamStatus s) {
        UpstreamStatus.Speed sp = s.speed();
        UpstreamStatus.Quarantine q = s.quarantine();
        return new UpstreamHealth.Upstream(
                s.name(),
                s.url(),
                s.weight(),
                s.credentials(),
                s.healthy(),
                s.breaker().label(),
                AdminApi.time(s.openUntil()),
                s.attempts(),
                s.successes(),
                s.notFound(),
                new LinkedHashMap<>(s.failures()),
                AdminApi.time(s.lastSuccess()),
                new UpstreamHealth.Speed(
                        sp.firstByteMillis(),
                        sp.smallBodyMillis(),
                        sp.bytesPerSecond(),
                        sp.failedShare(),
                        sp.effectiveWeight()),
                s.quarantines(),
                q == null
                        ? null
                        : new UpstreamHealth.Quarantine(
                                q.since().toString(), q.until().toString(), q.subject(), q.detail()),
                s.recentErrors().stream()
                        .map(e -> new UpstreamHealth.RecentError(e.at().toString(), e.kind(), e.detail()))
                        .toList());
    }

    /**
     * {@code POST /admin/api/upstreams/{name}/release}: releases the upstream called {@code name} (its URL for GOPROXY
     * upstreams) in every pool that has it: an upstream is one server, whichever pool noticed its lie.
     */
    public UpstreamReleased release(String name) {
        List<UpstreamReleased.PoolRelease> released = new ArrayList<>();
        StringBuilder what = new StringBuilder();
        pools.keySet().stream().sorted().forEach(poolName -> {
            UpstreamPool.Member m = pools.get(poolName).member(name);
            if (m != null) {
                String lifted = m.release("admin");
                released.add(new UpstreamReleased.PoolRelease(
                        poolName, lifted, m.breaker().state().label()));
                what.append(what.isEmpty() ? "" : "; ")
                        .append(poolName)
                        .append(": ")
                        .append(lifted);
            }
        });
        if (released.isEmpty()) {
            throw ApiException.notFound("no upstream named " + name + " (GET /admin/api/upstreams lists them;"
                    + " percent-encode a URL name: http%3A%2F%2Fhost%3A8080)");
        }
        return new UpstreamReleased(name, released, what.toString());
    }
}
