package dev.ferry.server.registryauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a caller is, and what they may do to a repository: hosted ones always ask, mirrored ones only when pull
 * access control protects them (docs/access.md). A request is allowed when it carries
 * {@code Authorization: Basic} of one of the {@link Principals} whose roles allow the action, or
 * {@code Authorization: Bearer} of an unexpired token from {@link #issue} whose scope names the repository and
 * action (or of a configured access token); or, for pulls of hosted repositories only, when anonymous pull is on.
 *
 * <p>Tokens are 256 random bits, kept in memory only (a restart signs everyone out, and clients simply ask
 * again), and looked up by their SHA-256 so the comparison never runs over the secret itself. Nothing here
 * logs a password or token.
 */
public final class RegistryAuth {
    /** What a token grants: the distribution token spec's actions. */
    public enum Action {
        PULL,
        PUSH,
        DELETE;

        static Set<Action> parse(String actions) {
            Set<Action> out = EnumSet.noneOf(Action.class);
            for (String a : actions.split(",")) {
                switch (a.strip()) {
                    case "pull" -> out.add(PULL);
                    case "push" -> out.add(PUSH);
                    case "delete" -> out.add(DELETE);
                    case "*" -> out.addAll(EnumSet.allOf(Action.class));
                    default -> {} // unknown actions are not granted
                }
            }
            return out;
        }
    }

    public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);
    /** Outstanding tokens beyond which expired ones are swept on the next issue. */
    private static final int SWEEP_AT = 1024;

    private final Principals users;
    private final boolean anonymousPull;
    private final Clock clock;
    private final Duration lifetime;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    /** {@code subject}: the user or access token it was issued to, null for an anonymous caller. */
    private record Token(byte[] digest, Instant expires, Map<String, Set<Action>> access, String subject) {}

    /** A token as the token endpoint returns it. */
    public record Grant(String token, Instant issuedAt, Duration expiresIn) {}

    /** Who {@code caller} is, as the audit log names them: "user:NAME", or "anonymous". */
    public static String who(Caller caller) {
        return switch (caller) {
            case Caller.User u -> "user:" + u.name();
            case Caller.WithToken t when t.signedIn() -> "user:" + t.subject();
            default -> "anonymous";
        };
    }

    /** What an Authorization header proved. */
    public sealed interface Caller {
        /** No Authorization header. */
        record Anonymous() implements Caller {}

        /** A user's valid Basic credentials, or a configured access token. */
        record User(String name, Set<Role> roles) implements Caller {
            public User {
                roles = Role.expand(roles);
            }

            public boolean has(Role role) {
                return roles.contains(role);
            }
        }

        /**
         * A valid token from the token endpoint; {@code subject}: the user it was issued to, null when it was issued
         * to an anonymous caller.
         */
        record WithToken(Map<String, Set<Action>> access, String subject) implements Caller {
            public boolean signedIn() {
                return subject != null;
            }
        }

        /**
         * Credentials that did not check out (wrong password, unknown or expired token, unknown scheme), or were not
         * checked: {@code retryAfter} is set when the user name is locked out after too many wrong passwords.
         */
        record Invalid(String why, Duration retryAfter) implements Caller {
            Invalid(String why) {
                this(why, null);
            }

            static Invalid locked(Duration retryAfter) {
                long seconds = retryAfterSeconds(retryAfter);
                return new Invalid("too many failed sign-ins, retry after " + seconds + " s", retryAfter);
            }

            /** Whole seconds for a Retry-After header (at least 1). */
            public static long retryAfterSeconds(Duration wait) {
                return Math.max(1, wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0));
            }
        }
    }

    /** The hosted registry's users only (each may push and pull), as before pull access control. */
    public RegistryAuth(RegistryUsers users, boolean anonymousPull, Clock clock) {
        this(Principals.hosted(users), anonymousPull, clock, TOKEN_LIFETIME);
    }

    public RegistryAuth(RegistryUsers users, boolean anonymousPull, Clock clock, Duration lifetime) {
        this(Principals.hosted(users), anonymousPull, clock, lifetime);
    }

    public RegistryAuth(Principals users, boolean anonymousPull, Clock clock) {
        this(users, anonymousPull, clock, TOKEN_LIFETIME);
    }

    public RegistryAuth(Principals users, boolean anonymousPull, Clock clock, Duration lifetime) {
        this.users = users;
        this.anonymousPull = anonymousPull;
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** Whether anyone can authenticate at all (there are users to check against). */
    public boolean hasUsers() {
        return !users.isEmpty();
    }

    /** Whether anyone may push to hosted repositories. */
    public boolean hasHostedUsers() {
        return users.hasHostedUsers();
    }

    public boolean anonymousPull() {
        return anonymousPull;
    }

    /** Reads an Authorization header value (null when absent). */
    public Caller identify(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return new Caller.Anonymous();
        }
        String value = authorization.strip();
        if (value.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded =
                        new String(Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return new Caller.Invalid("malformed Basic credentials");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return new Caller.Invalid("malformed Basic credentials");
            }
            return switch (users.basic(decoded.substring(0, colon), decoded.substring(colon + 1))) {
                case Principals.Basic.Accepted a ->
                    new Caller.User(a.principal().name(), a.principal().roles());
                case Principals.Basic.Refused r -> new Caller.Invalid("wrong user name or password");
                case Principals.Basic.Locked l -> Caller.Invalid.locked(l.retryAfter());
            };
        }
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            byte[] digest = sha256(value.substring(7).strip());
            Token t = tokens.get(HexFormat.of().formatHex(digest));
            if (t == null || !MessageDigest.isEqual(t.digest(), digest)) {
                Principals.Principal p = users.bearer(value.substring(7).strip());
                return p != null ? new Caller.User(p.name(), p.roles()) : new Caller.Invalid("unknown token");
            }
            if (!clock.instant().isBefore(t.expires())) {
                tokens.remove(HexFormat.of().formatHex(digest));
                return new Caller.Invalid("token expired");
            }
            return new Caller.WithToken(t.access(), t.subject());
        }
        return new Caller.Invalid("unsupported authorization scheme");
    }

    /** Whether {@code caller} may do {@code action} to the hosted {@code repository}. */
    public boolean allows(Caller caller, String repository, Action action) {
        return switch (caller) {
            case Caller.User u -> u.has(action == Action.PULL ? Role.PULL : Role.PUSH);
            case Caller.WithToken t ->
                t.access().getOrDefault(repository, Set.of()).contains(action);
            case Caller.Anonymous a -> action == Action.PULL && anonymousPull;
            case Caller.Invalid i -> false;
        };
    }

    /**
     * Whether {@code caller} may pull the protected (mirrored) {@code repository}, named as the client wrote it: a
     * user with the pull role, or a token issued to one for that repository; never an anonymous caller.
     */
    public boolean allowsProtectedPull(Caller caller, String repository) {
        return switch (caller) {
            case Caller.User u -> u.has(Role.PULL);
            case Caller.WithToken t ->
                t.signedIn() && t.access().getOrDefault(repository, Set.of()).contains(Action.PULL);
            case Caller.Anonymous a -> false;
            case Caller.Invalid i -> false;
        };
    }

    /**
     * A token for the requested {@code scopes} (the request's scope parameters, {@code repository:NAME:pull,push};
     * others grant nothing), for an authenticated user or an anonymous caller; null for invalid credentials. A user
     * gets the actions asked for that their roles allow (pull: pull; push: every action; whether a repository is
     * protected at all is decided where the token is used); an anonymous caller pull when anonymous pull is on, else a token that grants
     * nothing (what distribution's token servers do: clients pulling mirrored images with an anonymous token flow
     * go on unhindered).
     */
    public Grant issue(Caller caller, List<String> scopes) {
        if (caller instanceof Caller.Invalid || caller instanceof Caller.WithToken) {
            return null;
        }
        Map<String, Set<Action>> access = new HashMap<>();
        for (String scope : scopes) {
            for (String one : scope.split(" ")) {
                int first = one.indexOf(':');
                int last = one.lastIndexOf(':');
                if (first < 0 || last <= first || !one.substring(0, first).equals("repository")) {
                    continue;
                }
                String name = one.substring(first + 1, last);
                Set<Action> asked = Action.parse(one.substring(last + 1));
                if (caller instanceof Caller.User u) {
                    if (!u.has(Role.PUSH)) {
                        asked.retainAll(u.has(Role.PULL) ? EnumSet.of(Action.PULL) : EnumSet.noneOf(Action.class));
                    }
                } else {
                    asked.retainAll(anonymousPull ? EnumSet.of(Action.PULL) : EnumSet.noneOf(Action.class));
                }
                access.computeIfAbsent(name, k -> EnumSet.noneOf(Action.class)).addAll(asked);
            }
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] digest = sha256(token);
        Instant now = clock.instant();
        Map<String, Set<Action>> frozen = new HashMap<>();
        access.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
        if (tokens.size() >= SWEEP_AT) {
            tokens.values().removeIf(t -> !now.isBefore(t.expires()));
        }
        tokens.put(
                HexFormat.of().formatHex(digest),
                new Token(
                        digest,
                        now.plus(lifetime),
                        Map.copyOf(frozen),
                        caller instanceof Caller.User u ? u.name() : null));
        return new Grant(token, now, lifetime);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
