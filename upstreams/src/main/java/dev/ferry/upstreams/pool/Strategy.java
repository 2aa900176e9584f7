package dev.ferry.upstreams.pool;

import java.util.Locale;

/** How a pool orders its upstreams for one request. */
public enum Strategy {
    /** In the configured order, with the list's separators ({@code ,} and {@code |}) deciding when to move on. */
    FAILOVER,
    /**
     * Smooth weighted round-robin over the upstreams whose breakers let requests through: each request starts at
     * the next upstream in the weighted cycle and moves on (on any error) to the others in configured order.
     */
    WEIGHTED;

    public static Strategy parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "failover" -> FAILOVER;
            case "weighted" -> WEIGHTED;
            default -> throw new IllegalArgumentException("expected failover or weighted");
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
