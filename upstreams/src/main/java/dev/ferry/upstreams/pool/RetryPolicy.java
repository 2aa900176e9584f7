package dev.ferry.upstreams.pool;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often a request walks its upstream list again after every upstream asked failed, and how long it may take
 * altogether. Waits between walks grow exponentially from {@code initialBackoff} up to {@code maxBackoff}, with
 * full jitter so clients that failed together do not come back together. No attempt starts after
 * {@code budget} has passed since the request began: with the per-attempt timeouts this bounds how long a
 * client can be kept waiting.
 */
public record RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff, Duration budget) {

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must be positive, and the maximum at least the initial one");
        }
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("retry budget must be more than 0");
        }
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    /** One walk over the list, as the go command does. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ofDays(1));
    }

    /** The wait before walk number {@code retry} (1 for the first retry): uniform in [0, min(max, initial*2^(retry-1))]. */
    public Duration backoff(int retry) {
        long cap = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(retry - 1, 20));
        return Duration.ofMillis(cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
