package dev.ferry.server.http;

import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import io.helidon.http.HeaderNames;

/**
 * The HTTP side of {@link RegistryAuth}: who a request's Authorization header says the caller is, and the 401
 * whose Bearer challenge sends the client to ferry's token endpoint ({@link TokenHandler}) for the scope it needs.
 */
final class RegistryGate {
    private final RegistryAuth auth;

    RegistryGate(RegistryAuth auth) {
        this.auth = auth;
    }

    RegistryAuth auth() {
        return auth;
    }

    Caller identify(Exchange x) {
        return auth.identify(x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
    }

    /**
     * 401 UNAUTHORIZED with the challenge for {@code action} on {@code repository} (null: no scope, as at the
     * base), saying why {@code caller} did not do.
     *
     * @param alsoPull a second repository the request reads (a mount's source), or null
     */
    void challenge(Exchange x, RepositoryName repository, Action action, RepositoryName alsoPull, Caller caller) {
        String realm = x.publicAddress.base(x) + "/v2/token";
        StringBuilder value = new StringBuilder("Bearer realm=\"").append(realm).append("\",service=\"ferry\"");
        if (repository != null) {
            value.append(",scope=\"repository:")
                    .append(repository)
                    .append(':')
                    .append(action == Action.PULL ? "pull" : action == Action.DELETE ? "delete" : "pull,push");
            if (alsoPull != null && !alsoPull.equals(repository)) {
                value.append(" repository:").append(alsoPull).append(":pull");
            }
            value.append('"');
        }
        x.res.header(HeaderNames.WWW_AUTHENTICATE, value.toString());
        if (caller instanceof Caller.Invalid i) {
            retryAfter(x, i);
        }
        OciAnswerResponder.error(
                x, OciErrorCode.UNAUTHORIZED, caller instanceof Caller.Invalid i ? i.why() : "authentication required");
    }

    /** Retry-After for a caller whose user name is locked out after too many wrong passwords. */
    static void retryAfter(Exchange x, Caller.Invalid invalid) {
        if (invalid.retryAfter() != null) {
            x.res.header(
                    HeaderNames.RETRY_AFTER, Long.toString(Caller.Invalid.retryAfterSeconds(invalid.retryAfter())));
        }
    }
}
