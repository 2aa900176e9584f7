package dev.ferry.upstreams.pool;

import java.time.Duration;
import java.time.Instant;

/**
 * One upstream's decaying averages: time to first byte, time to complete a small body, rate of a body, and the
 * share of attempts that failed. Each sample weighs 1 and every weight halves each {@link #HALF_LIFE} of the
 * pool's clock, so an upstream that recovers (or breaks) shows it after a few requests, or after a few minutes of
 * not being asked, whichever comes first; a sum of weights under {@link #KNOWN} counts as not known.
 * Not thread-safe: the member's lock guards it.
 */
final class SpeedMeter {
    static final Duration HALF_LIFE = Duration.ofSeconds(60);
    /** Below this much remaining weight an average says nothing. */
    static final double KNOWN = 0.25;
    /** Weight is capped so a new sample always moves an average by at least 1/CAP. */
    private static final double CAP = 20;

    final Average firstByteMillis = new Average();
    final Average smallMillis = new Average();
    final Average rate = new Average();
    final Average failed = new Average();

    static final class Average {
        private double sum;
        private double weight;
        private Instant at;

        void add(Instant now, double sample) {
            decay(now);
            sum += sample;
            weight += 1;
            if (weight > CAP) {
                sum *= CAP / weight;
                weight = CAP;
            }
        }

        /** The mean, or NaN when too little is known. */
        double mean(Instant now) {
            decay(now);
            return weight < KNOWN ? Double.NaN : sum / weight;
        }

        double weight(Instant now) {
            decay(now);
            return weight;
        }

        void clear() {
            sum = 0;
            weight = 0;
        }

        private void decay(Instant now) {
            if (at != null && now.isAfter(at)) {
                double f = Math.pow(0.5, Duration.between(at, now).toMillis() / (double) HALF_LIFE.toMillis());
                sum *= f;
                weight *= f;
            }
            if (at == null || now.isAfter(at)) {
                at = now;
            }
        }
    }
}
