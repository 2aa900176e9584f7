package dev.ferry.server.registryauth;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Everyone who can sign in, with their roles: the hosted registry's users ({@code oci.users}, who push and pull
 * unless the roles file says otherwise, as before roles existed), the users of {@code access.users} and the
 * tokens of {@code access.tokens} (who pull unless the roles file says otherwise), and the roles file over all of
 * them. A name in two of the sources is refused at start-up: whose password would count would be a guess.
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

    private final RegistryUsers hostedUsers;
    private final RegistryUsers users;
    private final AccessTokens tokens;
    private final Map<String, Set<Role>> roles;

    public Principals(
            RegistryUsers hostedUsers, RegistryUsers users, AccessTokens tokens, Map<String, Set<Role>> roles) {
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

    /** Basic credentials: a user's password, or a token as the password under any user name; null otherwise. */
    public Principal basic(String user, String password) {
        if (hostedUsers.has(user)) {
            return hostedUsers.check(user, password) ? principal(user, EnumSet.of(Role.PULL, Role.PUSH)) : null;
        }
        if (users.has(user)) {
            return users.check(user, password) ? principal(user, EnumSet.of(Role.PULL)) : null;
        }
        String token = tokens.nameOf(password);
        if (token != null) {
            return principal(token, EnumSet.of(Role.PULL));
        }
        // An unknown user costs a bcrypt check all the same, so timing does not tell which names exist.
        users.check(user, password);
        return null;
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
