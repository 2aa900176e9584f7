package dev.ferry.server.registryauth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed password checks per key, so that no place that checks a password is an unlimited oracle for it (nor an
 * unlimited bcrypt load): after {@link #MAX_FAILURES} failures within {@link #WINDOW}, a key is refused, without its
 * credentials being checked, until its oldest failure in the window ages out. Two kinds of key use it: the console's
 * sign-in counts per client address ({@code /ui/session}, docs/ui.md), and {@link Principals#basic} counts per user
 * name, for every place Basic credentials are accepted (docs/access.md). Only the per-user count is cleared by a
 * success ({@link #succeeded}): a success from an address says nothing of the other names it guesses at, while one
 * for a name means its password is known.
 */
public final class SignInThrottle {
    public static final int MAX_FAILURES = 10;
    public static final Duration WINDOW = Duration.ofMinutes(10);
    /** Keys remembered before those whose failures have all aged out are dropped. */
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

    /** Forgets the failures of {@code key}: its password was right. */
    public void succeeded(String key) {
        failures.remove(key);
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
