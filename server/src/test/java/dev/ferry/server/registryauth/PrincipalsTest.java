package dev.ferry.server.registryauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import dev.ferry.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users, tokens and roles (docs/access.md): who a caller is, and what their roles let them do. */
class PrincipalsTest {
    private static final String TOKEN = "a-long-random-machine-token-0123456789";

    @TempDir
    Path tmp;

    private Path htpasswd(String name, String... userPasswords) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < userPasswords.length; i += 2) {
            sb.append(userPasswords[i])
                    .append(':')
                    .append(OpenBSDBCrypt.generate("2y", userPasswords[i + 1].toCharArray(), new byte[16], 4))
                    .append('\n');
        }
        return Files.writeString(tmp.resolve(name), sb);
    }

    private Path tokens(String name, String token) throws Exception {
        String hex = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        return Files.writeString(tmp.resolve("tokens"), "# machines\n" + name + ":sha256:" + hex + "\n");
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rolesComeFromTheRolesFileWithDefaultsPerSource() throws Exception {
        RegistryUsers hosted = RegistryUsers.load(htpasswd("hosted", "pusher", "p1"));
        RegistryUsers users = RegistryUsers.load(htpasswd("users", "alice", "a1", "vera", "v1", "root", "r1"));
        Path roles = Files.writeString(tmp.resolve("roles"), "# roles\nviewer: vera\nadmin: root\n\npull: ci\n");
        Principals p = new Principals(hosted, users, AccessTokens.load(tokens("ci", TOKEN)), RoleFile.load(roles));
        RegistryAuth auth = new RegistryAuth(p, false, Clock.systemUTC());

        assertEquals(
                Set.of(Role.PULL, Role.PUSH),
                user(auth.identify(basic("pusher", "p1"))).roles());
        assertEquals(
                Set.of(Role.PULL), user(auth.identify(basic("alice", "a1"))).roles(), "no line: pull");
        assertEquals(
                Set.of(Role.VIEWER), user(auth.identify(basic("vera", "v1"))).roles());
        assertEquals(
                Set.of(Role.ADMIN, Role.VIEWER),
                user(auth.identify(basic("root", "r1"))).roles());
        assertEquals("ci", user(auth.identify("Bearer " + TOKEN)).name());
        assertEquals("ci", user(auth.identify(basic("whoever", TOKEN))).name(), "a token as a Basic password");
        assertInstanceOf(Caller.Invalid.class, auth.identify(basic("alice", "wrong")));
        assertInstanceOf(Caller.Invalid.class, auth.identify(basic("nobody", "a1")));
        assertInstanceOf(Caller.Invalid.class, auth.identify("Bearer not-a-token"));

        // Roles decide hosted actions and what the token endpoint grants.
        Caller vera = auth.identify(basic("vera", "v1"));
        assertFalse(auth.allows(vera, "team/app", Action.PULL), "a viewer does not pull");
        assertFalse(auth.allowsProtectedPull(vera, "docker.io/acme/app"));
        Caller alice = auth.identify(basic("alice", "a1"));
        assertTrue(auth.allows(alice, "team/app", Action.PULL));
        assertFalse(auth.allows(alice, "team/app", Action.PUSH), "pull is not push");
        assertTrue(auth.allows(auth.identify(basic("pusher", "p1")), "team/app", Action.PUSH));

        Caller aliceToken = auth.identify("Bearer "
                + auth.issue(alice, List.of("repository:team/app:pull,push")).token());
        assertEquals(Map.of("team/app", Set.of(Action.PULL)), ((Caller.WithToken) aliceToken).access());
        assertTrue(auth.allowsProtectedPull(aliceToken, "team/app"));
        Caller anonymousToken = auth.identify("Bearer "
                + auth.issue(new Caller.Anonymous(), List.of("repository:team/app:pull"))
                        .token());
        assertFalse(auth.allowsProtectedPull(anonymousToken, "team/app"), "an anonymous token never pulls protected");
        assertFalse(auth.allowsProtectedPull(new Caller.Anonymous(), "team/app"));
    }

    @Test
    void badFilesAreRefusedWithTheirLineAndNoSecret() throws Exception {
        Path roles = Files.writeString(tmp.resolve("roles"), "pull: a\nsuperuser: b\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RoleFile.load(roles));
        assertTrue(e.getMessage().contains("roles:2") && e.getMessage().contains("superuser"), e.getMessage());

        Path tokens = Files.writeString(tmp.resolve("plain"), "ci:" + TOKEN + "\n");
        e = assertThrows(IllegalArgumentException.class, () -> AccessTokens.load(tokens));
        assertTrue(e.getMessage().contains("plain:1"), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), "the line (maybe a plain token) is not echoed");

        RegistryUsers users = RegistryUsers.load(htpasswd("users", "ci", "x"));
        AccessTokens ci = AccessTokens.load(tokens("ci", TOKEN));
        e = assertThrows(IllegalArgumentException.class, () -> new Principals(RegistryUsers.NONE, users, ci, Map.of()));
        assertTrue(e.getMessage().contains("ci"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> new Principals(users, users, AccessTokens.NONE, Map.of()));
        assertTrue(e.getMessage().contains("more than one"), e.getMessage());
    }

    private static Caller.User user(Caller c) {
        assertInstanceOf(Caller.User.class, c, String.valueOf(c));
        return (Caller.User) c;
    }

    @Test
    void protectedContentMatchesPrefixesOnWholeComponents() {
        ProtectedContent p = new ProtectedContent(
                dev.ferry.mirror.sumdb.PrivatePatterns.parse("github.com/acme"), List.of("docker.io/acme", "team"));
        assertTrue(p.image("docker.io/acme/app"));
        assertTrue(p.image("team"));
        assertFalse(p.image("docker.io/acmeish/app"), "a prefix ends at a '/'");
        assertFalse(p.image("teammate/x"));
        assertTrue(p.module(dev.ferry.protocols.module.ModulePath.parse("github.com/acme/tool")));
        assertFalse(p.module(dev.ferry.protocols.module.ModulePath.parse("github.com/acmeish/tool")));
        assertTrue(new ProtectedContent(dev.ferry.mirror.sumdb.PrivatePatterns.none(), List.of("*")).image("a/b"));
    }

    @Test
    void wrongPasswordsLockAUserNameOutWithoutBcryptUntilTheWindowPasses() throws Exception {
        RegistryUsers hosted = RegistryUsers.load(htpasswd("hosted", "pusher", "p1"));
        RegistryUsers users = RegistryUsers.load(htpasswd("users", "alice", "a1"));
        ManualClock clock = new ManualClock();
        Principals p = new Principals(
                hosted, users, AccessTokens.load(tokens("ci", TOKEN)), Map.of(), new SignInThrottle(clock));
        for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
            assertInstanceOf(Principals.Basic.Refused.class, p.basic("alice", "guess" + i));
            assertInstanceOf(Principals.Basic.Refused.class, p.basic("pusher", "guess" + i));
            assertInstanceOf(Principals.Basic.Refused.class, p.basic("nobody", "guess" + i));
        }
        long checks = hosted.bcryptChecks() + users.bcryptChecks();
        assertEquals(3L * SignInThrottle.MAX_FAILURES, checks, "each wrong password cost one bcrypt check");

        clock.advance(Duration.ofMinutes(1));
        var locked = assertInstanceOf(Principals.Basic.Locked.class, p.basic("alice", "a1"));
        assertEquals(SignInThrottle.WINDOW.minusMinutes(1), locked.retryAfter(), "until the first failure ages out");
        assertInstanceOf(Principals.Basic.Locked.class, p.basic("pusher", "p1"), "the hosted users' too");
        assertInstanceOf(Principals.Basic.Locked.class, p.basic("nobody", "x"), "an unknown name alike");
        assertEquals(checks, hosted.bcryptChecks() + users.bcryptChecks(), "a locked name costs no bcrypt check");
        assertEquals(
                "ci",
                assertInstanceOf(Principals.Basic.Accepted.class, p.basic("nobody", TOKEN))
                        .principal()
                        .name(),
                "a token is not locked out with the name it is sent under");

        clock.advance(SignInThrottle.WINDOW.minusMinutes(1));
        assertEquals(
                "alice",
                assertInstanceOf(Principals.Basic.Accepted.class, p.basic("alice", "a1"))
                        .principal()
                        .name());
        for (int i = 0; i < SignInThrottle.MAX_FAILURES - 1; i++) {
            assertInstanceOf(Principals.Basic.Refused.class, p.basic("alice", "again" + i));
        }
        assertInstanceOf(
                Principals.Basic.Accepted.class,
                p.basic("alice", "a1"),
                "the success cleared the count: nine new failures do not lock");
        assertInstanceOf(Principals.Basic.Refused.class, p.basic("bob", "x"), "other names are not locked");

        RegistryAuth auth = new RegistryAuth(p, false, clock);
        for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
            auth.identify(basic("alice", "wrong" + i));
        }
        var invalid = assertInstanceOf(Caller.Invalid.class, auth.identify(basic("alice", "a1")));
        assertEquals("too many failed sign-ins, retry after 600 s", invalid.why());
    }
}
