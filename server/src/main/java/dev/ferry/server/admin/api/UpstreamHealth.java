package dev.ferry.server.admin.api;

import java.util.List;
import java.util.Map;

/** {@code GET /admin/api/upstreams}: each pool (by name, sorted) with its upstreams' health. */
public record UpstreamHealth(Map<String, Pool> pools) {

    public record Pool(String strategy, List<Upstream> upstreams) {}

    /** One upstream; {@code credentials} names their kind only ("none", "basic", "bearer"). */
    public record Upstream(
            String name,
            String url,
            int weight,
            String credentials,
            boolean healthy,
            String breaker,
            String openUntil,
            long attempts,
            long successes,
            long notFound,
            Map<String, Long> failures,
            String lastSuccess,
            Speed speed,
            long quarantines,
            Quarantine quarantine,
            List<RecentError> recentErrors) {}

    /** Decaying means, null while unknown. */
    public record Speed(
            Double firstByteMillis,
            Double smallBodyMillis,
            Double bytesPerSecond,
            Double failedShare,
            double effectiveWeight) {}

    public record Quarantine(String since, String until, String subject, String detail) {}

    public record RecentError(String at, String kind, String detail) {}
}
