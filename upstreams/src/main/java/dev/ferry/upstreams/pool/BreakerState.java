package dev.ferry.upstreams.pool;

import java.util.Locale;

/** A circuit breaker's state; {@link #gauge} is the value /metrics exports (stable across releases). */
public enum BreakerState {
    CLOSED(0),
    OPEN(1),
    HALF_OPEN(2);

    private final int gauge;

    BreakerState(int gauge) {
        this.gauge = gauge;
    }

    public int gauge() {
        return gauge;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
