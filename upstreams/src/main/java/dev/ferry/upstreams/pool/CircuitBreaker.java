package dev.ferry.upstreams.pool;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The circuit breaker of one upstream. Closed, every request may use the upstream; open, none may until the
 * cool-down has passed; then it is half-open and exactly one request (a client's or the active probe's) is let
 * through: success closes it, failure opens it again for a longer cool-down. A Retry-After the upstream sent
 * with a 429 or 503 opens it at once for that long (capped at the maximum cool-down): the upstream said when
 * asking again makes sense, so asking sooner only adds load where there is too much.
 *
 * <p>A quarantine ({@link #quarantine}) is an open state of its own length that no probe ends early: an upstream
 * that served wrong content is not proven honest by answering a probe. It ends when its time is up (then the
 * breaker is half-open as after any cool-down) or when an admin {@link #release releases} it.
 *
 * <p>Thread-safe; {@link Listener} is told of each transition once, outside no lock of the caller's.
 */
public final class CircuitBreaker {

    /** Hears state changes; called with the breaker's lock held, so it must not call back into the breaker. */
    @FunctionalInterface
    public interface Listener {
        void transition(BreakerState from, BreakerState to, String why);
    }

    private final BreakerSettings settings;
    private final Clock clock;
    private final Listener listener;
    private final ErrorWindow window;
    private BreakerState state = BreakerState.CLOSED;
    private int consecutiveFailures;
    private int reopenings;
    private Instant openUntil = Instant.MIN;
    private boolean probing;
    private boolean quarantined;

    public CircuitBreaker(BreakerSettings settings, Clock clock, Listener listener) {
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.window = new ErrorWindow(settings.window());
    }

    public synchronized BreakerState state() {
        return state;
    }

    /** When an open breaker lets the next probe through. */
    public synchronized Instant openUntil() {
        return openUntil;
    }

    /** Whether the breaker is open for a quarantine that has not run out yet. */
    public synchronized boolean quarantined() {
        return quarantined && state == BreakerState.OPEN && clock.instant().isBefore(openUntil);
    }

    /** Opens the breaker for {@code length}, whatever its state, and keeps probes out until then. */
    public synchronized void quarantine(Duration length, String why) {
        Instant until = clock.instant().plus(length);
        if (quarantined && until.isBefore(openUntil)) {
            return;
        }
        quarantined = true;
        probing = false;
        openUntil = until;
        BreakerState from = state;
        state = BreakerState.OPEN;
        listener.transition(from, BreakerState.OPEN, "quarantined until " + until + ": " + why);
    }

    /** Closes the breaker at once and forgets the failures that led here (an admin's decision). */
    public synchronized void release(String why) {
        quarantined = false;
        probing = false;
        consecutiveFailures = 0;
        reopenings = 0;
        window.clear();
        openUntil = Instant.MIN;
        move(BreakerState.CLOSED, why);
    }

    /** Whether {@link #tryAcquire} would succeed now, without taking the half-open slot. */
    public synchronized boolean available() {
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> !clock.instant().isBefore(openUntil);
            case HALF_OPEN -> !probing;
        };
    }

    /**
     * Lets one request through a quarantine, for a pool that has no other upstream to ask: what it serves is
     * checked like anything else, so asking it costs nothing in safety, while refusing would fail every request
     * for hours over one bad file. Its answers neither lift nor extend the quarantine (a new mismatch does).
     */
    public synchronized boolean tryAcquireAsLastResort() {
        return quarantined();
    }

    /** Asks to send one request; after true, exactly one of the on* methods must follow. */
    public synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED -> {
                return true;
            }
            case OPEN -> {
                if (clock.instant().isBefore(openUntil)) {
                    return false;
                }
                move(BreakerState.HALF_OPEN, quarantined ? "quarantine over, probing" : "cool-down over, probing");
                quarantined = false;
                probing = true;
                return true;
            }
            default -> {
                if (probing) {
                    return false;
                }
                probing = true;
                return true;
            }
        }
    }

    /** The upstream answered properly (a 200 that checked out, or a 404/410: it is alive and honest). */
    public synchronized void onSuccess() {
        if (quarantined) {
            // A request that started before the quarantine: its good answer does not lift it.
            return;
        }
        window.record(clock.instant(), false);
        consecutiveFailures = 0;
        probing = false;
        if (state != BreakerState.CLOSED) {
            reopenings = 0;
            window.clear();
            move(BreakerState.CLOSED, "probe succeeded");
        }
    }

    /** @param retryAfter what the upstream asked for with a 429/503, or null */
    public synchronized void onFailure(String why, Duration retryAfter) {
        if (quarantined) {
            return;
        }
        Instant now = clock.instant();
        window.record(now, true);
        consecutiveFailures++;
        probing = false;
        switch (state) {
            case HALF_OPEN -> {
                reopenings++;
                open(now, retryAfter, "probe failed: " + why);
            }
            case CLOSED -> {
                if (retryAfter != null) {
                    open(now, retryAfter, "asked to retry after " + retryAfter.toSeconds() + " s: " + why);
                } else if (consecutiveFailures >= settings.consecutiveFailures()) {
                    open(now, null, consecutiveFailures + " failures in a row, last: " + why);
                } else if (window.tripped(now, settings.errorRate(), settings.minRequests())) {
                    open(
                            now,
                            null,
                            "error rate " + window.describe(now) + " over "
                                    + settings.window().toSeconds() + " s, last: " + why);
                }
            }
            case OPEN -> {
                // A request that started before the breaker opened; the cool-down already runs.
            }
        }
    }

    /** The attempt ended without a verdict on the upstream (the caller was interrupted, our own disk failed). */
    public synchronized void onAbandoned() {
        probing = false;
    }

    private void open(Instant now, Duration retryAfter, String why) {
        Duration coolDown = settings.coolDown().multipliedBy(1L << Math.min(reopenings, 16));
        if (retryAfter != null && retryAfter.compareTo(coolDown) > 0) {
            coolDown = retryAfter;
        }
        if (coolDown.compareTo(settings.maxCoolDown()) > 0) {
            coolDown = settings.maxCoolDown();
        }
        openUntil = now.plus(coolDown);
        move(BreakerState.OPEN, why + " (cool-down " + coolDown.toMillis() + " ms)");
    }

    private void move(BreakerState to, String why) {
        BreakerState from = state;
        state = to;
        if (from != to) {
            listener.transition(from, to, why);
        }
    }

    /** Attempts and failures over the sliding window, in ten buckets so old ones age out in steps. */
    private static final class ErrorWindow {
        private static final int BUCKETS = 10;
        private final long bucketMillis;
        private final long[] epoch = new long[BUCKETS];
        private final int[] total = new int[BUCKETS];
        private final int[] failed = new int[BUCKETS];

        ErrorWindow(Duration window) {
            bucketMillis = Math.max(1, window.toMillis() / BUCKETS);
            java.util.Arrays.fill(epoch, Long.MIN_VALUE);
        }

        void record(Instant now, boolean failure) {
            long e = now.toEpochMilli() / bucketMillis;
            int i = (int) Math.floorMod(e, (long) BUCKETS);
            if (epoch[i] != e) {
                epoch[i] = e;
                total[i] = 0;
                failed[i] = 0;
            }
            total[i]++;
            if (failure) {
                failed[i]++;
            }
        }

        boolean tripped(Instant now, double rate, int minRequests) {
            int[] tf = sums(now);
            return tf[0] >= minRequests && tf[1] >= rate * tf[0];
        }

        String describe(Instant now) {
            int[] tf = sums(now);
            return tf[1] + "/" + tf[0];
        }

        private int[] sums(Instant now) {
            long e = now.toEpochMilli() / bucketMillis;
            int t = 0;
            int f = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (epoch[i] > e - BUCKETS) {
                    t += total[i];
                    f += failed[i];
                }
            }
            return new int[] {t, f};
        }

        void clear() {
            java.util.Arrays.fill(epoch, Long.MIN_VALUE);
        }
    }
}
