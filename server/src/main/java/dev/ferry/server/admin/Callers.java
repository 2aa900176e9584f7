package dev.ferry.server.admin;

import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Who sent an admin request: the admin token as {@code Authorization: Bearer} (scripts, the CLI), a user or access
 * token with the admin or viewer role (docs/access.md) as {@code Authorization}, or a web console session cookie,
 * which must come with its CSRF token on anything that changes state (a cookie is sent by the browser whoever made
 * the page; the CSRF token only the console's own page knows). Then the principal's role ({@link Principal#may}).
 * Every refusal says why, for the answer and the audit log.
 */
public final class Callers {
    /** The header the console sends its CSRF token in. */
    public static final String CSRF_HEADER = "X-Ferry-CSRF";
    /** The session cookie's name. */
    public static final String COOKIE = "ferry_session";

    private final AdminAuth auth;
    private final ConsoleSessions sessions;
    private final RegistryAuth users;

    public Callers(AdminAuth auth, ConsoleSessions sessions) {
        this(auth, sessions, null);
    }

    /** @param users who else may sign in (users and tokens with the admin or viewer role); null: the token only */
    public Callers(AdminAuth auth, ConsoleSessions sessions, RegistryAuth users) {
        this.auth = auth;
        this.sessions = sessions;
        this.users = users;
    }

    /** What a request's credentials come to. */
    public sealed interface Identity {
        record Known(Principal principal) implements Identity {}

        /** {@code who} as far as known (a session's principal refused for its CSRF token or role). */
        record Refused(int status, String error, String message, String who, long retryAfterSeconds)
                implements Identity {
            public Refused(int status, String error, String message, String who) {
                this(status, error, message, who, 0);
            }
        }
    }

    /** The admin token's principal, for a sign-in with it. */
    public Optional<Principal> signIn(String token) {
        if (token == null || token.isBlank() || !auth.allows("Bearer " + token)) {
            return Optional.empty();
        }
        return Optional.of(new Principal(auth.fingerprint(), Principal.Role.ADMIN));
    }

    /** A user's principal, for a sign-in with name and password: only users with the admin or viewer role. */
    public Optional<Principal> signIn(String user, String password) {
        if (users == null || user == null || password == null || user.isEmpty() || user.indexOf(':') >= 0) {
            return Optional.empty();
        }
        String basic =
                "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return users.identify(basic) instanceof RegistryAuth.Caller.User u ? principal(u) : Optional.empty();
    }

    /** The console role of a user or token: admin, else viewer, else none. */
    private static Optional<Principal> principal(RegistryAuth.Caller.User u) {
        if (u.has(Role.ADMIN)) {
            return Optional.of(new Principal("user:" + u.name(), Principal.Role.ADMIN));
        }
        if (u.has(Role.VIEWER)) {
            return Optional.of(new Principal("user:" + u.name(), Principal.Role.VIEWER));
        }
        return Optional.empty();
    }

    /**
     * @param authorization the Authorization header, null when absent
     * @param sessionId the session cookie's value, null when absent
     * @param csrf the {@link #CSRF_HEADER} value, null when absent
     * @param method GET for HEAD
     */
    public Identity identify(String authorization, String sessionId, String csrf, String method) {
        Principal principal;
        if (authorization != null) {
            boolean adminToken = auth.allows(authorization);
            RegistryAuth.Caller caller =
                    adminToken || users == null ? new RegistryAuth.Caller.Anonymous() : users.identify(authorization);
            if (adminToken) {
                principal = new Principal(auth.fingerprint(), Principal.Role.ADMIN);
            } else if (caller instanceof RegistryAuth.Caller.Invalid i && i.retryAfter() != null) {
                long seconds = RegistryAuth.Caller.Invalid.retryAfterSeconds(i.retryAfter());
                return new Identity.Refused(
                        429,
                        "too_many_requests",
                        "too many failed sign-ins for this user, retry after " + seconds + " s",
                        "unauthenticated",
                        seconds);
            } else if (caller instanceof RegistryAuth.Caller.User u) {
                Optional<Principal> p = principal(u);
                if (p.isEmpty()) {
                    return new Identity.Refused(
                            403, "forbidden", "signed in, but without the admin or viewer role", "user:" + u.name());
                }
                principal = p.get();
            } else {
                return unauthorized();
            }
        } else if (sessionId != null) {
            var session = sessions.touch(sessionId);
            if (session.isEmpty()) {
                return new Identity.Refused(
                        401, "unauthorized", "the console session has ended: sign in again", "unauthenticated");
            }
            principal = session.get().principal();
            if (!method.equals("GET") && !sameSecret(session.get().csrf(), csrf)) {
                return new Identity.Refused(
                        403,
                        "csrf",
                        "a change from the console needs its CSRF token in " + CSRF_HEADER,
                        principal.who());
            }
        } else {
            return unauthorized();
        }
        if (!principal.may(method)) {
            return new Identity.Refused(
                    403,
                    "forbidden",
                    "role " + principal.role().name().toLowerCase(java.util.Locale.ROOT) + " may only read",
                    principal.who());
        }
        return new Identity.Known(principal);
    }

    /**
     * Whose console session {@code sessionId} is, for signing it out: it needs the session's CSRF token (else any
     * page could sign a browser out) but no role, since ending one's own session changes nothing else, and a viewer
     * must be able to sign out too.
     */
    public Identity signOut(String sessionId, String csrf) {
        var session = sessions.touch(sessionId);
        if (session.isEmpty()) {
            return new Identity.Refused(
                    401, "unauthorized", "the console session has ended: sign in again", "unauthenticated");
        }
        Principal principal = session.get().principal();
        if (!sameSecret(session.get().csrf(), csrf)) {
            return new Identity.Refused(
                    403, "csrf", "a change from the console needs its CSRF token in " + CSRF_HEADER, principal.who());
        }
        return new Identity.Known(principal);
    }

    private static Identity unauthorized() {
        return new Identity.Refused(
                401, "unauthorized", "send the admin token as Authorization: Bearer TOKEN", "unauthenticated");
    }

    private static boolean sameSecret(String expected, String given) {
        return given != null
                && MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
