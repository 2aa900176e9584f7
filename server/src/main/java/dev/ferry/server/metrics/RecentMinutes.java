package dev.ferry.server.metrics;

import dev.ferry.server.admin.api.MetricsHistory;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The console's charts: an in-memory ring of the last {@link #MINUTES} minutes, each the difference of ferry's
 * running totals (requests, bytes sent, cache hits and misses: {@link FerryMetrics}) between its start and end,
 * and the store's size at its end. {@link #sample} is called once a minute; the minute still running is computed
 * at each read, so a fresh ferry draws its first point at once. Nothing is kept across restarts.
 */
public final class RecentMinutes {
    public static final int MINUTES = 180;

    /** The running totals at one instant. */
    record Totals(Instant at, long requests, long bytes, long hits, long misses, long storeBytes) {}

    private final ArrayDeque<MetricsHistory.Minute> ring = new ArrayDeque<>();
    private final FerryMetrics metrics;
    private final LongSupplier storeBytes;
    private final Long quotaBytes;
    private final Clock clock;
    private Totals last;

    public RecentMinutes(FerryMetrics metrics, LongSupplier storeBytes, long quotaBytes, Clock clock) {
        this.metrics = metrics;
        this.storeBytes = storeBytes;
        this.quotaBytes = quotaBytes > 0 ? quotaBytes : null;
        this.clock = clock;
        this.last = totals();
    }

    private Totals totals() {
        return new Totals(
                clock.instant(),
                metrics.requestsTotal(),
                metrics.bytesTotal(),
                metrics.cacheOutcomes(FerryMetrics.Cache.HIT) + metrics.cacheOutcomes(FerryMetrics.Cache.STALE),
                metrics.cacheOutcomes(FerryMetrics.Cache.MISS),
                storeBytes.getAsLong());
    }

    private static MetricsHistory.Minute between(Totals from, Totals to) {
        return new MetricsHistory.Minute(
                from.at().truncatedTo(ChronoUnit.SECONDS).toString(),
                to.requests() - from.requests(),
                to.bytes() - from.bytes(),
                to.hits() - from.hits(),
                to.misses() - from.misses(),
                to.storeBytes());
    }

    /** Closes the running minute: called once a minute by the wiring. */
    public synchronized void sample() {
        Totals now = totals();
        if (ring.size() == MINUTES) {
            ring.removeFirst();
        }
        ring.addLast(between(last, now));
        last = now;
    }

    /** The closed minutes and the running one, oldest first. */
    public MetricsHistory history() {
        Totals now = totals();
        List<MetricsHistory.Minute> out;
        synchronized (this) {
            out = new ArrayList<>(ring);
            out.add(between(last, now));
        }
        return new MetricsHistory(quotaBytes, out);
    }
}
