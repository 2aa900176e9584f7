package dev.ferry.upstreams.pool;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Who pays for a request about to reach an upstream: the client whose request is being answered on this thread,
 * when the server bound one ({@link #chargedTo}); nobody on threads it did not (prewarm jobs, probes, the shared
 * downloads a miss started, which were paid for when they started). A payer that is out of budget refuses with
 * {@link Refused} before anything is asked, so a refusal never counts against an upstream's breaker.
 *
 * <p>Charged where a miss begins on the client's thread: the start of a pool walk ({@link PoolWalk#fetch}) and the
 * start of a shared download (the mirror's {@code SharedDownloads.join}).
 */
public final class MissCharge {
    private static final ThreadLocal<Payer> PAYER = new ThreadLocal<>();

    private MissCharge() {}

    /** Pays for one miss, or refuses it. */
    @FunctionalInterface
    public interface Payer {
        /** @throws Refused when the payer may not cause another upstream request now */
        void pay();
    }

    /** A miss refused for its payer's budget; {@code retryAfter} is when the next one would be allowed. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Duration retryAfter;

        public Refused(Duration retryAfter) {
            super(
                    "too many requests to upstreams from this client; retry after " + retryAfter.toSeconds() + "s",
                    null,
                    false,
                    false);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** Runs {@code call} with misses on this thread charged to {@code payer} (null: to nobody). */
    public static <T> T chargedTo(Payer payer, Supplier<T> call) {
        Payer before = PAYER.get();
        PAYER.set(payer);
        try {
            return call.get();
        } finally {
            if (before == null) {
                PAYER.remove();
            } else {
                PAYER.set(before);
            }
        }
    }

    /** Charges the current payer, if any, for one miss. */
    public static void charge() {
        Payer p = PAYER.get();
        if (p != null) {
            p.pay();
        }
    }
}
