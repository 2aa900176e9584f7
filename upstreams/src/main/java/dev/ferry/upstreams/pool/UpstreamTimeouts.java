package dev.ferry.upstreams.pool;

import java.time.Duration;

/**
 * connect: TCP+TLS set-up; firstByte: request sent to response headers; stall: longest gap between body bytes.
 */
public record UpstreamTimeouts(Duration connect, Duration firstByte, Duration stall) {
    public static UpstreamTimeouts defaults() {
        return new UpstreamTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }
}
