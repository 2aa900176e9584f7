package dev.ferry.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Who a request acts as: the token, or a console session with its CSRF token on changes; a viewer only reads;
 * a session ends at sign-out, when idle too long, or at its limit.
 */
class CallersTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T12:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final ConsoleSessions sessions = new ConsoleSessions(clock);
    private final Callers callers = new Callers(AdminAuth.of("the-token"), sessions);

    private static int status(Callers.Identity id) {
        return id instanceof Callers.Identity.Refused r ? r.status() : 200;
    }

    @Test
    void theTokenOrASessionWithItsCsrfToken() {
        assertEquals(200, status(callers.identify("Bearer the-token", null, null, "POST")));
        assertEquals(401, status(callers.identify("Bearer wrong", null, null, "GET")));
        assertEquals(401, status(callers.identify(null, null, null, "GET")));
        // A wrong bearer token is not rescued by a valid cookie.
        var session = sessions.start(callers.signIn("the-token").orElseThrow());
        assertEquals(401, status(callers.identify("Bearer wrong", session.id(), session.csrf(), "GET")));

        assertEquals(200, status(callers.identify(null, session.id(), null, "GET")));
        var noCsrf = callers.identify(null, session.id(), null, "POST");
        assertEquals(403, status(noCsrf));
        assertEquals("csrf", ((Callers.Identity.Refused) noCsrf).error());
        assertEquals(403, status(callers.identify(null, session.id(), session.csrf() + "x", "DELETE")));
        assertEquals(200, status(callers.identify(null, session.id(), session.csrf(), "DELETE")));
        assertEquals(401, status(callers.identify(null, "unknown-session", session.csrf(), "GET")));
        assertTrue(callers.signIn("wrong").isEmpty());
        assertTrue(callers.signIn(null).isEmpty());
    }

    @Test
    void aViewerOnlyReads() {
        var viewer = sessions.start(new Principal("user:ops", Principal.Role.VIEWER));
        assertInstanceOf(Callers.Identity.Known.class, callers.identify(null, viewer.id(), null, "GET"));
        var post = callers.identify(null, viewer.id(), viewer.csrf(), "POST");
        assertEquals(403, status(post));
        assertEquals("forbidden", ((Callers.Identity.Refused) post).error());
        assertEquals("user:ops", ((Callers.Identity.Refused) post).who());
    }

    @Test
    void sessionsEndWhenIdleAtTheirLimitOrAtSignOut() {
        var s = sessions.start(callers.signIn("the-token").orElseThrow());
        now.set(now.get().plus(ConsoleSessions.IDLE).minusSeconds(1));
        assertEquals(200, status(callers.identify(null, s.id(), null, "GET")));
        now.set(now.get().plus(ConsoleSessions.IDLE).plusSeconds(1));
        assertEquals(401, status(callers.identify(null, s.id(), null, "GET")), "idle too long");

        var kept = sessions.start(callers.signIn("the-token").orElseThrow());
        Instant started = now.get();
        while (now.get().isBefore(started.plus(ConsoleSessions.LIMIT))) {
            assertEquals(200, status(callers.identify(null, kept.id(), null, "GET")));
            now.set(now.get().plus(Duration.ofMinutes(20)));
        }
        assertEquals(401, status(callers.identify(null, kept.id(), null, "GET")), "past the limit");

        var ended = sessions.start(callers.signIn("the-token").orElseThrow());
        sessions.end(ended.id());
        assertEquals(401, status(callers.identify(null, ended.id(), null, "GET")));
    }
}
