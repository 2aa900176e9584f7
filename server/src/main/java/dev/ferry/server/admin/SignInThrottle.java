package dev.ferry.server.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed console sign-ins per client address, so that {@code /ui/session} is not an unlimited oracle for the admin
 * token or a user's password (and not an unlimited bcrypt load): after {@link #MAX_FAILURES} failures within
 * {@link #WINDOW}, an address is refused, without its credentials being checked, until its oldest failure in the
 * window ages out. A success does not clear the count: otherwise one known password would buy unlimited guesses at
 * another. The address is the TCP peer, so everyone behind one reverse proxy shares it (docs/ui.md).
 */
public final class SignInThrottle {
    public static final int MAX_FAILURES = 10;
    public static final Duration WINDOW = Duration.ofMinutes(10);
    /** Addresses remembered before those whose failures have all aged out are dropped. */
    static final int MAX_CLIENTS = 10_000;

    private final Clock clock;
    private final int maxFailures;
    private final Duration window;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public SignInThrottle(Clock clock) {
        this(clock, MAX_FAILURES, WINDOW);
    }

    SignInThrottle(Clock clock, int maxFailures, Duration window) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.window = window;
    }

    /** How long {@code client} must wait before its next sign-in is checked; empty when it may try now. */
    public Optional<Duration> retryAfter(String client) {
        Deque<Instant> recent = failures.get(client);
        if (recent == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        synchronized (recent) {
            forgetOld(recent, now);
            if (recent.size() < maxFailures) {
                return Optional.empty();
            }
            return Optional.of(Duration.between(now, recent.peekFirst().plus(window)));
        }
    }

    /** Counts a failed sign-in of {@code client}. */
    public void failed(String client) {
        Instant now = clock.instant();
        if (failures.size() >= MAX_CLIENTS) {
            failures.values().removeIf(d -> {
                synchronized (d) {
                    forgetOld(d, now);
                    return d.isEmpty();
                }
            });
            if (failures.size() >= MAX_CLIENTS) {
                // Only a caller with thousands of addresses gets here, and per-address counting cannot stop it
                // anyway: memory matters more than the counts.
                failures.clear();
            }
        }
        Deque<Instant> recent = failures.computeIfAbsent(client, c -> new ArrayDeque<>());
        synchronized (recent) {
            forgetOld(recent, now);
            recent.addLast(now);
            // Only the last maxFailures decide when the address may try again.
            while (recent.size() > maxFailures) {
                recent.removeFirst();
            }
        }
    }

    private void forgetOld(Deque<Instant> recent, Instant now) {
        while (!recent.isEmpty() && !recent.peekFirst().plus(window).isAfter(now)) {
            recent.removeFirst();
        }
    }
}
