package dev.ferry.server.registryauth;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Everyone who can sign in, with their roles: the hosted registry's users ({@code oci.users}, who push and pull
 * unless the roles file says otherwise, as before roles existed), the users of {@code access.users} and the
 * tokens of {@code access.tokens} (who pull unless the roles file says otherwise), and the roles file over all of
 * them. A name in two of the sources is refused at start-up: whose password would count would be a guess.
 *
 * <p>Every Basic password (admin API, {@code /v2/token} and {@code /v2/}, protected GOPROXY paths, the console's
 * sign-in) is checked here, so the limit on guessing is here too: after {@link SignInThrottle#MAX_FAILURES} wrong
 * passwords for one user name within {@link SignInThrottle#WINDOW}, that name is {@link Basic.Locked} without bcrypt
 * running, until its oldest failure ages out; a right password clears the count. Unknown names are counted alike,
 * so a lock-out does not tell which names exist.
 */
public final class Principals {
    public static final Principals NONE =
            new Principals(RegistryUsers.NONE, RegistryUsers.NONE, AccessTokens.NONE, Map.of());

    /** Someone whose credentials checked out. */
    public record Principal(String name, Set<Role> roles) {
        public Principal {
            roles = Role.expand(roles);
        }

        public boolean has(Role role) {
            return roles.contains(role);
        }
    }

    /** What a Basic password came to. */
    public sealed interface Basic {
        record Accepted(Principal principal) implements Basic {}

        /** A wrong password, or a name nobody has. */
        record Refused() implements Basic {}

        /** Too many wrong passwords for this name lately: nothing was checked. */
        record Locked(Duration retryAfter) implements Basic {}
    }

    private final RegistryUsers hostedUsers;
    private final RegistryUsers users;
    private final AccessTokens tokens;
    private final Map<String, Set<Role>> roles;
    private final SignInThrottle failures;

    public Principals(
            RegistryUsers hostedUsers, RegistryUsers users, AccessTokens tokens, Map<String, Set<Role>> roles) {
        this(hostedUsers, users, tokens, roles, new SignInThrottle(Clock.systemUTC()));
    }

    /** @param failures wrong passwords per user name (its clock decides when a lock-out ends) */
    public Principals(
            RegistryUsers hostedUsers,
            RegistryUsers users,
            AccessTokens tokens,
            Map<String, Set<Role>> roles,
            SignInThrottle failures) {
        for (String name : users.names()) {
            if (hostedUsers.names().contains(name) || tokens.hasName(name)) {
                throw new IllegalArgumentException(
                        "user " + name + " is in more than one of oci.users, access.users and access.tokens");
            }
        }
        for (String name : hostedUsers.names()) {
            if (tokens.hasName(name)) {
                throw new IllegalArgumentException("user " + name + " is in both oci.users and access.tokens");
            }
        }
        this.hostedUsers = hostedUsers;
        this.users = users;
        this.tokens = tokens;
        this.roles = Map.copyOf(roles);
        this.failures = failures;
    }

    /** Only the hosted registry's users, as before pull access control (tests, and a config without it). */
    public static Principals hosted(RegistryUsers hostedUsers) {
        return new Principals(hostedUsers, RegistryUsers.NONE, AccessTokens.NONE, Map.of());
    }

    public boolean isEmpty() {
        return hostedUsers.isEmpty() && users.isEmpty() && tokens.isEmpty();
    }

    /** Whether the hosted registry has users who may push (the /v2/ challenge depends on it). */
    public boolean hasHostedUsers() {
        return !hostedUsers.isEmpty() || roles.values().stream().anyMatch(r -> r.contains(Role.PUSH));
    }

    /**
     * Basic credentials: a user's password, or a token as the password under any name but a user's. A token is
     * checked before the lock-out (it is one SHA-256, and 256 random bits are not guessed), so a CI job's token
     * keeps working under a name someone else guesses passwords for.
     */
    public Basic basic(String user, String password) {
        RegistryUsers owner = hostedUsers.has(user) ? hostedUsers : users.has(user) ? users : null;
        if (owner == null) {
            String token = tokens.nameOf(password);
            if (token != null) {
                return new Basic.Accepted(principal(token, EnumSet.of(Role.PULL)));
            }
        }
        var wait = failures.retryAfter(user);
        if (wait.isPresent()) {
            return new Basic.Locked(wait.get());
        }
        boolean ok;
        if (owner == null) {
            // An unknown user costs a bcrypt check all the same, so timing does not tell which names exist.
            users.check(user, password);
            ok = false;
        } else {
            ok = owner.check(user, password);
        }
        if (!ok) {
            failures.failed(user);
            return new Basic.Refused();
        }
        failures.succeeded(user);
        Set<Role> fallback = owner == hostedUsers ? EnumSet.of(Role.PULL, Role.PUSH) : EnumSet.of(Role.PULL);
        return new Basic.Accepted(principal(user, fallback));
    }

    /** A configured token; null for any other. */
    public Principal bearer(String token) {
        String name = tokens.nameOf(token);
        return name == null ? null : principal(name, EnumSet.of(Role.PULL));
    }

    private Principal principal(String name, Set<Role> fallback) {
        return new Principal(name, roles.getOrDefault(name, fallback));
    }
}
