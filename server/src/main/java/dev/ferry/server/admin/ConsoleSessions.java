package dev.ferry.server.admin;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's sign-in sessions, in memory (a restart signs everybody out, which is what a restart of an
 * admin tool should do). A session is a random id, sent as an HttpOnly cookie, and a random CSRF token the page
 * keeps in memory and sends back as a header on every change; both are 256 random bits. A session ends at sign
 * out, after {@link #IDLE} without a request, or {@link #LIMIT} after sign-in, whichever comes first.
 */
public final class ConsoleSessions {
    public static final Duration IDLE = Duration.ofMinutes(30);
    public static final Duration LIMIT = Duration.ofHours(12);
    /** More than any operator team opens; past it the oldest go, so a sign-in loop cannot fill the memory. */
    static final int MAX = 1000;

    /** One signed-in browser. */
    public record Session(String id, String csrf, Principal principal, Instant started, Instant lastSeen) {
        /** When it ends if no request comes. */
        public Instant expires() {
            Instant idle = lastSeen.plus(IDLE);
            Instant limit = started.plus(LIMIT);
            return idle.isBefore(limit) ? idle : limit;
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public ConsoleSessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session for whoever just signed in. */
    public Session start(Principal principal) {
        Instant now = clock.instant();
        sessions.values().removeIf(s -> !s.expires().isAfter(now));
        if (sessions.size() >= MAX) {
            sessions.values().stream()
                    .min(java.util.Comparator.comparing(Session::lastSeen))
                    .ifPresent(oldest -> sessions.remove(oldest.id()));
        }
        Session s = new Session(secret(), secret(), principal, now, now);
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session of that id, its idle time restarted; empty when unknown or expired. */
    public Optional<Session> touch(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Session s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (!s.expires().isAfter(now)) {
            sessions.remove(id);
            return Optional.empty();
        }
        Session seen = new Session(s.id(), s.csrf(), s.principal(), s.started(), now);
        sessions.put(id, seen);
        return Optional.of(seen);
    }

    public void end(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    private String secret() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
