package dev.ferry.upstreams;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One upstream's health as the admin API shows it. Holds no credentials, only their kind.
 *
 * @param openUntil when an open breaker lets the next probe through, or null
 */
public record UpstreamStatus(String name, String url, int weight, String credentials, BreakerState breaker,
                             Instant openUntil, long attempts, long successes, long notFound,
                             Map<String, Long> failures, Instant lastSuccess, List<RecentError> recentErrors) {

    public record RecentError(Instant at, String kind, String detail) {}

    public boolean healthy() {
        return breaker == BreakerState.CLOSED;
    }
}
