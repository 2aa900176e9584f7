package dev.ferry.server.http;

import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.server.registryauth.RegistryAuth;

/**
 * Who may read what, and how fast (docs/access.md): the users, tokens and roles {@code auth} knows, the content only
 * callers with the pull role may read, and the per-client limit on misses ({@code limiter}, null for none).
 * {@link #open} is a site proxy's default: everything anonymous, no limit.
 */
public record ClientAccess(RegistryAuth auth, ProtectedContent protect, MissLimiter limiter) {
    public ClientAccess {
        protect = protect == null ? ProtectedContent.NONE : protect;
    }

    public ClientAccess(RegistryAuth auth, ProtectedContent protect) {
        this(auth, protect, null);
    }

    /** Nothing protected, nobody to sign in but the hosted registry's users (if {@code auth} has them). */
    public static ClientAccess open(RegistryAuth auth) {
        return new ClientAccess(auth, ProtectedContent.NONE, null);
    }
}
