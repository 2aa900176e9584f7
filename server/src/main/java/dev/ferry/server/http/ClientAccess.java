package dev.ferry.server.http;

import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.server.registryauth.RegistryAuth;

/**
 * Who may read what (docs/access.md): the users, tokens and roles {@code auth} knows, and the content only callers
 * with the pull role may read. {@link #open} is a site proxy's default: everything anonymous.
 */
public record ClientAccess(RegistryAuth auth, ProtectedContent protect) {
    public ClientAccess {
        protect = protect == null ? ProtectedContent.NONE : protect;
    }

    /** Nothing protected, nobody to sign in but the hosted registry's users (if {@code auth} has them). */
    public static ClientAccess open(RegistryAuth auth) {
        return new ClientAccess(auth, ProtectedContent.NONE);
    }
}
