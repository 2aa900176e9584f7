package dev.ferry.upstreams.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One upstream's health as the admin API shows it. Holds no credentials, only their kind.
 *
 * @param openUntil   when an open breaker lets the next probe through, or null
 * @param speed       the decaying averages the pool judges and weighs it by
 * @param quarantine  the quarantine in force, or null
 * @param quarantines how many times it was quarantined since ferry started
 */
public record UpstreamStatus(
        String name,
        String url,
        int weight,
        String credentials,
        BreakerState breaker,
        Instant openUntil,
        long attempts,
        long successes,
        long notFound,
        Map<String, Long> failures,
        Instant lastSuccess,
        List<RecentError> recentErrors,
        Speed speed,
        Quarantine quarantine,
        long quarantines) {

    public record RecentError(Instant at, String kind, String detail) {}

    /**
     * Means that decay (null: not known): milliseconds to the response headers and to the end of a small body,
     * body bytes per second, the share of attempts that failed; {@code effectiveWeight} is the configured weight
     * scaled by health and speed, as the weighted strategy uses it.
     */
    public record Speed(
            Double firstByteMillis,
            Double smallBodyMillis,
            Double bytesPerSecond,
            Double failedShare,
            double effectiveWeight) {}

    /** Why and until when the upstream is quarantined: {@code subject} is the file or blob that failed its check. */
    public record Quarantine(Instant since, Instant until, String subject, String detail) {}

    public boolean healthy() {
        return breaker == BreakerState.CLOSED;
    }
}
