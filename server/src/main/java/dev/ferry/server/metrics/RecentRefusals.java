package dev.ferry.server.metrics;

import dev.ferry.server.admin.api.Refusals;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last {@link #KEPT} refusals of upstream content (checksum and digest mismatches), in memory, for the console. */
public final class RecentRefusals {
    static final int KEPT = 50;

    private final ArrayDeque<Refusals.Refusal> ring = new ArrayDeque<>();
    private final Clock clock;

    public RecentRefusals(Clock clock) {
        this.clock = clock;
    }

    public synchronized void add(String upstream, String subject, String reason) {
        if (ring.size() == KEPT) {
            ring.removeLast();
        }
        ring.addFirst(new Refusals.Refusal(clock.instant().toString(), upstream, subject, reason));
    }

    /** Newest first. */
    public synchronized Refusals list() {
        return new Refusals(new ArrayList<>(ring));
    }

    synchronized List<Refusals.Refusal> snapshot() {
        return List.copyOf(ring);
    }
}
