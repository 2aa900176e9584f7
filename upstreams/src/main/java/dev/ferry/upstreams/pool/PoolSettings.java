package dev.ferry.upstreams.pool;

import java.time.Duration;

/**
 * Everything about a pool that is not about one upstream.
 *
 * @param stallFloorBytesPerSecond a body arriving slower than this, measured over {@code stallFloorWindow} of
 *                                 reading, is abandoned as stalled (0 turns the floor off; the stall timeout
 *                                 still bounds each gap)
 * @param notFoundMemory           how long an upstream's 404/410 for a path is remembered, so the next request
 *                                 for it goes straight to the next upstream (keep it at most the mirror's
 *                                 not-found TTL, or a refetch after that TTL would still see the old 404)
 * @param probeInterval            how often open breakers are checked for a due active probe
 * @param hedgeAfter               how long to wait for an upstream's response headers before also asking the
 *                                 next one the list allows (0: never; see {@link HedgedRequests}); for a small
 *                                 body it is the wait for the whole body, and shorter when the pool's upstreams
 *                                 are known to answer much faster ({@link UpstreamPool#hedgeDelay})
 * @param speed                    when a transfer counts as slow ({@link SpeedSettings})
 * @param quarantine               how long an upstream that served content failing its checksum or digest is
 *                                 left alone (no requests, no probes) unless an admin releases it
 * @param redirects                where upstreams' redirects may lead and where their credentials may go
 */
public record PoolSettings(
        Strategy strategy,
        BreakerSettings breaker,
        RetryPolicy retry,
        long stallFloorBytesPerSecond,
        Duration stallFloorWindow,
        Duration notFoundMemory,
        Duration probeInterval,
        Duration hedgeAfter,
        SpeedSettings speed,
        Duration quarantine,
        RedirectPolicy redirects) {

    public PoolSettings(
            Strategy strategy,
            BreakerSettings breaker,
            RetryPolicy retry,
            long stallFloorBytesPerSecond,
            Duration stallFloorWindow,
            Duration notFoundMemory,
            Duration probeInterval,
            Duration hedgeAfter) {
        this(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                SpeedSettings.defaults(),
                DEFAULT_QUARANTINE,
                RedirectPolicy.defaults());
    }

    public static final Duration DEFAULT_QUARANTINE = Duration.ofHours(6);

    /** With the default redirect policy. */
    public PoolSettings(
            Strategy strategy,
            BreakerSettings breaker,
            RetryPolicy retry,
            long stallFloorBytesPerSecond,
            Duration stallFloorWindow,
            Duration notFoundMemory,
            Duration probeInterval,
            Duration hedgeAfter,
            SpeedSettings speed,
            Duration quarantine) {
        this(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                RedirectPolicy.defaults());
    }

    public PoolSettings {
        if (stallFloorBytesPerSecond < 0) {
            throw new IllegalArgumentException("stall floor must not be negative");
        }
        if (stallFloorWindow.isNegative()
                || stallFloorWindow.isZero()
                || probeInterval.isNegative()
                || probeInterval.isZero()) {
            throw new IllegalArgumentException("stall floor window and probe interval must be more than 0");
        }
        if (notFoundMemory.isNegative() || hedgeAfter.isNegative()) {
            throw new IllegalArgumentException("not-found memory and hedge delay must not be negative");
        }
        if (quarantine.isNegative() || quarantine.isZero()) {
            throw new IllegalArgumentException("quarantine must be more than 0");
        }
    }

    public static PoolSettings defaults() {
        return new PoolSettings(
                Strategy.FAILOVER,
                BreakerSettings.defaults(),
                RetryPolicy.defaults(),
                1024,
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1));
    }

    public PoolSettings withStrategy(Strategy s) {
        return new PoolSettings(
                s,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withBreaker(BreakerSettings b) {
        return new PoolSettings(
                strategy,
                b,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withRetry(RetryPolicy r) {
        return new PoolSettings(
                strategy,
                breaker,
                r,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withStallFloor(long bytesPerSecond, Duration window) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                bytesPerSecond,
                window,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withNotFoundMemory(Duration d) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                d,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withProbeInterval(Duration d) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                d,
                hedgeAfter,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withHedgeAfter(Duration d) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                d,
                speed,
                quarantine,
                redirects);
    }

    public PoolSettings withSpeed(SpeedSettings s) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                s,
                quarantine,
                redirects);
    }

    public PoolSettings withQuarantine(Duration d) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                d,
                redirects);
    }

    public PoolSettings withRedirects(RedirectPolicy r) {
        return new PoolSettings(
                strategy,
                breaker,
                retry,
                stallFloorBytesPerSecond,
                stallFloorWindow,
                notFoundMemory,
                probeInterval,
                hedgeAfter,
                speed,
                quarantine,
                r);
    }
}
