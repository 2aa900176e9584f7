package dev.ferry.server.http;

import dev.ferry.protocols.module.ModulePath;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import dev.ferry.server.registryauth.Role;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;

/**
 * The GOPROXY side of pull access control: a protected module is answered only to a caller with the pull role.
 * The go command sends Basic credentials from .netrc (or GOAUTH), so the challenge is Basic; a user or token
 * without the pull role gets 403 (asking again would not help).
 */
final class PullGate {
    static final Header CHALLENGE = HeaderValues.createCached(HeaderNames.WWW_AUTHENTICATE, "Basic realm=\"ferry\"");

    private final ClientAccess access;

    PullGate(ClientAccess access) {
        this.access = access;
    }

    /** Whether the request may read {@code module}; when not, the 401 or 403 has been sent. */
    boolean mayRead(Exchange x, ModulePath module) {
        if (access == null || x.clusterPeer || !access.protect().module(module)) {
            return true;
        }
        Caller caller = access.auth()
                .identify(x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (caller instanceof Caller.User u && u.has(Role.PULL)) {
            return true;
        }
        x.res.header(Exchange.NO_STORE);
        if (caller instanceof Caller.User u) {
            x.sendText(Status.FORBIDDEN_403, "user " + u.name() + " lacks the pull role for " + module);
            return false;
        }
        x.res.header(CHALLENGE);
        if (caller instanceof Caller.Invalid i) {
            RegistryGate.retryAfter(x, i);
        }
        x.sendText(
                Status.UNAUTHORIZED_401,
                caller instanceof Caller.Invalid i
                        ? i.why()
                        : "module " + module + " needs credentials (Basic, from .netrc)");
        return false;
    }
}
