package dev.ferry.server.http;

import dev.ferry.upstreams.pool.MissCharge;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address for cache misses (docs/access.md#rate-limits): {@code burst} misses at once,
 * then {@code rate} per second. Only requests that reach an upstream take a token ({@link MissCharge} charges them
 * where a miss begins), so answers from the store are never limited, and every address has a bucket of its own.
 */
public final class MissLimiter {
    /** Buckets kept before full ones (idle long enough to have refilled) are dropped. */
    static final int MAX_BUCKETS = 10_000;

    private final double rate;
    private final double burst;
    private final LongSupplier nanos;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param rate misses per second per address, more than 0; {@code burst} at least 1 */
    public MissLimiter(double rate, int burst) {
        this(rate, burst, System::nanoTime);
    }

    MissLimiter(double rate, int burst, LongSupplier nanos) {
        if (!(rate > 0) || burst < 1) {
            throw new IllegalArgumentException("rate must be more than 0 and burst at least 1");
        }
        this.rate = rate;
        this.burst = burst;
        this.nanos = nanos;
    }

    /** The payer for one request from {@code client}: it takes at most one token, however many walks it starts. */
    MissCharge.Payer payer(String client) {
        return new MissCharge.Payer() {
            private boolean paid;

            @Override
            public void pay() {
                if (!paid) {
                    take(client);
                    paid = true;
                }
            }
        };
    }

    /** Takes a token from {@code client}'s bucket, or throws {@link MissCharge.Refused} with when one will be there. */
    void take(String client) {
        if (buckets.size() > MAX_BUCKETS) {
            long now = nanos.getAsLong();
            buckets.values().removeIf(b -> b.full(now));
        }
        Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(burst, nanos.getAsLong()));
        double missing = bucket.take(nanos.getAsLong());
        if (missing > 0) {
            throw new MissCharge.Refused(Duration.ofSeconds(Math.max(1, (long) Math.ceil(missing / rate))));
        }
    }

    private final class Bucket {
        private double tokens;
        private long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }

        /** 0 when a token was taken; else how many tokens are missing for one. */
        synchronized double take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return 1 - tokens;
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + (now - at) / 1e9 * rate);
            at = now;
        }
    }
}
