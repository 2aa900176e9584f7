package dev.ferry.upstreams.pool;

import java.time.Duration;

/**
 * When a {@link CircuitBreaker} opens and for how long. It opens after {@code consecutiveFailures} failures in
 * a row, or when at least {@code minRequests} attempts in the last {@code window} failed at a rate of
 * {@code errorRate} or more. It stays open for {@code coolDown} (or the upstream's Retry-After), doubled each
 * time a half-open probe fails again, up to {@code maxCoolDown}.
 */
public record BreakerSettings(
        int consecutiveFailures,
        double errorRate,
        Duration window,
        int minRequests,
        Duration coolDown,
        Duration maxCoolDown) {

    public BreakerSettings {
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutive failures must be at least 1");
        }
        if (!(errorRate > 0 && errorRate <= 1)) {
            throw new IllegalArgumentException("error rate must be more than 0 and at most 1");
        }
        if (window.isNegative() || window.isZero() || coolDown.isNegative() || coolDown.isZero()) {
            throw new IllegalArgumentException("window and cool-down must be more than 0");
        }
        if (minRequests < 1) {
            throw new IllegalArgumentException("minimum requests must be at least 1");
        }
        if (maxCoolDown.compareTo(coolDown) < 0) {
            throw new IllegalArgumentException("maximum cool-down must not be shorter than the cool-down");
        }
    }

    public static BreakerSettings defaults() {
        return new BreakerSettings(5, 0.5, Duration.ofSeconds(60), 20, Duration.ofSeconds(30), Duration.ofMinutes(5));
    }
}
