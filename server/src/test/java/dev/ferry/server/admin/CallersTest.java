package dev.ferry.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.registryauth.AccessTokens;
import dev.ferry.server.registryauth.Principals;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryUsers;
import dev.ferry.server.registryauth.RoleFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who a request acts as: the token, a user or access token with the admin or viewer role, or a console session with
 * its CSRF token on changes; a viewer only reads; a session ends at sign-out, when idle too long, or at its limit.
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

    @TempDir
    Path tmp;

    /** root (admin), vera (viewer), alice (no line: pull only), and the token of ci-admin (admin). */
    private Callers withUsers() throws Exception {
        String users = bcrypt("root", "root-pw") + bcrypt("vera", "vera-pw") + bcrypt("alice", "alice-pw");
        String hex = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(ADMIN_TOKEN.getBytes(StandardCharsets.UTF_8)));
        Principals principals = new Principals(
                RegistryUsers.NONE,
                RegistryUsers.load(Files.writeString(tmp.resolve("users"), users)),
                AccessTokens.load(Files.writeString(tmp.resolve("tokens"), "ci-admin:sha256:" + hex + "\n")),
                RoleFile.load(Files.writeString(tmp.resolve("roles"), "admin: root ci-admin\nviewer: vera\n")));
        return new Callers(AdminAuth.of("the-token"), sessions, new RegistryAuth(principals, false, Clock.systemUTC()));
    }

    private static final String ADMIN_TOKEN = "an-access-token-with-the-admin-role-0123456789";

    private static String bcrypt(String user, String password) {
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), new byte[16], 4) + "\n";
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Principal known(Callers.Identity id) {
        return assertInstanceOf(Callers.Identity.Known.class, id, String.valueOf(id))
                .principal();
    }

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

    @Test
    void usersWithTheAdminOrViewerRoleAsAuthorization() throws Exception {
        Callers callers = withUsers();
        assertEquals(
                new Principal("user:root", Principal.Role.ADMIN),
                known(callers.identify(basic("root", "root-pw"), null, null, "POST")));
        assertEquals(
                new Principal("user:ci-admin", Principal.Role.ADMIN),
                known(callers.identify("Bearer " + ADMIN_TOKEN, null, null, "DELETE")),
                "an access token with the admin role");
        assertEquals(
                new Principal("user:vera", Principal.Role.VIEWER),
                known(callers.identify(basic("vera", "vera-pw"), null, null, "GET")));
        var viewerPost = (Callers.Identity.Refused) callers.identify(basic("vera", "vera-pw"), null, null, "POST");
        assertEquals(403, viewerPost.status());
        assertEquals("forbidden", viewerPost.error());
        assertEquals("user:vera", viewerPost.who());

        // A user who may only pull is known but refused, on reads too.
        var pullOnly = (Callers.Identity.Refused) callers.identify(basic("alice", "alice-pw"), null, null, "GET");
        assertEquals(403, pullOnly.status());
        assertEquals("forbidden", pullOnly.error());
        assertEquals("user:alice", pullOnly.who());

        var wrong = (Callers.Identity.Refused) callers.identify(basic("root", "vera-pw"), null, null, "GET");
        assertEquals(401, wrong.status());
        assertEquals("unauthenticated", wrong.who());
        assertEquals(401, status(callers.identify(basic("nobody", "root-pw"), null, null, "GET")));
        assertEquals(401, status(callers.identify("Bearer not-a-token", null, null, "GET")));
        // The admin token still works beside the users.
        assertEquals(200, status(callers.identify("Bearer the-token", null, null, "POST")));
    }

    @Test
    void onlyUsersWithTheAdminOrViewerRoleSignIn() throws Exception {
        Callers callers = withUsers();
        assertEquals(
                new Principal("user:root", Principal.Role.ADMIN),
                callers.signIn("root", "root-pw").orElseThrow());
        assertEquals(
                new Principal("user:vera", Principal.Role.VIEWER),
                callers.signIn("vera", "vera-pw").orElseThrow());
        assertTrue(callers.signIn("alice", "alice-pw").isEmpty(), "a pull-only user signed in");
        assertTrue(callers.signIn("root", "wrong").isEmpty(), "a wrong password signed in");
        assertTrue(callers.signIn("nobody", "root-pw").isEmpty(), "an unknown user signed in");
        assertTrue(callers.signIn("root:x", "root-pw").isEmpty(), "a name with a colon");
        assertTrue(callers.signIn("", "").isEmpty());
        assertTrue(callers.signIn("root", null).isEmpty());
        // Without users configured, only the token signs in.
        assertTrue(this.callers.signIn("root", "root-pw").isEmpty());
    }

    @Test
    void aViewersSessionReadsChangesNothingEvenWithItsCsrfTokenAndSignsOut() throws Exception {
        Callers callers = withUsers();
        var viewer = sessions.start(callers.signIn("vera", "vera-pw").orElseThrow());
        assertEquals(200, status(callers.identify(null, viewer.id(), null, "GET")));
        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
            var refused = (Callers.Identity.Refused) callers.identify(null, viewer.id(), viewer.csrf(), method);
            assertEquals(403, refused.status(), method);
            assertEquals("forbidden", refused.error(), method);
        }
        // Signing out needs the CSRF token but no role.
        assertEquals(403, status(callers.signOut(viewer.id(), null)));
        assertEquals(403, status(callers.signOut(viewer.id(), viewer.csrf() + "x")));
        assertEquals(
                new Principal("user:vera", Principal.Role.VIEWER), known(callers.signOut(viewer.id(), viewer.csrf())));
        assertEquals(401, status(callers.signOut("unknown-session", viewer.csrf())));
    }
}
