package dev.ferry.upstreams.pool;

import java.time.Duration;

/** What the upstream clients report, for metrics and logs; the server implements it. Must not block. */
public interface UpstreamEvents {
    UpstreamEvents NONE = new UpstreamEvents() {};

    /** A response arrived (any status) after {@code latency} to first byte. */
    default void response(String upstream, int status, Duration latency) {}

    /** An attempt failed; {@code kind} is a short stable label (timeout, connect, reset, truncated, rejected, 5xx, ...). */
    default void failure(String upstream, String kind, String detail) {}

    /** Body bytes received from {@code upstream}. */
    default void bytes(String upstream, long count) {}

    /** The upstream's circuit breaker changed state (once per transition, not per request). */
    default void breaker(String upstream, BreakerState from, BreakerState to, String why) {}

    /** The upstream served content that failed its checksum or digest ({@code subject}) and is quarantined. */
    default void quarantined(String upstream, String subject, String why) {}
}
