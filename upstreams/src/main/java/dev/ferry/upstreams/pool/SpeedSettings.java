package dev.ferry.upstreams.pool;

import java.time.Duration;

/**
 * When a transfer that completed still counts as a {@code slow} failure, and which bodies are small.
 *
 * <p>A small body (at most {@code smallBody} bytes) is slow when it took longer, from request to last byte, than
 * {@code factor} times the mean time the pool's fastest other healthy upstream currently needs for one, and longer
 * than {@code minimum}. A large body is slow when its rate is under the fastest other upstream's mean rate divided
 * by {@code factor}; while it arrives, that rate is a floor measured over {@code window} of reading, and a body
 * under it is continued elsewhere. With no other healthy upstream to compare with, nothing is slow: a pool's only
 * working member is never penalised for being what there is.
 *
 * @param smallBody bodies up to this many bytes (of declared length) are read whole before the handler sees them,
 *                  so a hedge races the whole transfer, not only the headers
 */
public record SpeedSettings(double factor, Duration minimum, Duration window, long smallBody) {

    public SpeedSettings {
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("slow factor must be at least 1");
        }
        if (minimum.isNegative() || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(
                    "slow minimum must not be negative and the slow window must be more than 0");
        }
        if (smallBody < 0) {
            throw new IllegalArgumentException("small body size must not be negative");
        }
    }

    public static SpeedSettings defaults() {
        return new SpeedSettings(4, Duration.ofMillis(500), Duration.ofSeconds(2), 64 * 1024);
    }

    /** No transfer is ever slow, and no body is read ahead (the behaviour before speed was measured). */
    public static SpeedSettings off() {
        return new SpeedSettings(Double.MAX_VALUE, Duration.ofDays(365), Duration.ofSeconds(2), 0);
    }

    public boolean isOff() {
        return factor == Double.MAX_VALUE;
    }
}
