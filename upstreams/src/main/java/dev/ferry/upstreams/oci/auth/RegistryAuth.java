package dev.ferry.upstreams.oci.auth;

import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.RedirectPolicy;
import dev.ferry.upstreams.pool.Sent;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How ferry authenticates to the endpoints of one registry: as each endpoint's {@code WWW-Authenticate} asks
 * (a Bearer token from the realm it names, cached per endpoint and scope until shortly before it expires, or
 * Basic), with the endpoint's configured credentials or anonymously; a configured bearer token is always sent.
 */
public final class RegistryAuth {
    /** Sends a request to an endpoint's client as it is (the token realm's request). */
    @FunctionalInterface
    public interface Transport {
        Sent send(Upstream endpoint, HttpRequest request);
    }

    /** Sends one call with {@code authorization} (null: none) and follows its redirects. */
    @FunctionalInterface
    public interface Call {
        Sent send(String authorization);
    }

    /** The last challenge each endpoint answered with, by endpoint name: says how to authenticate up front. */
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

    private final TokenCache tokens;
    private final TokenRealm realms;

    public RegistryAuth(UpstreamHttp http, Transport transport, Clock clock) {
        this(http, transport, clock, RedirectPolicy.defaults());
    }

    /** {@code policy}: which token realms may be asked, and which may have the endpoint's credentials. */
    public RegistryAuth(UpstreamHttp http, Transport transport, Clock clock, RedirectPolicy policy) {
        this.tokens = new TokenCache(clock);
        this.realms = new TokenRealm(http, transport, clock, policy);
    }

    /**
     * Sends {@code call} to {@code endpoint} (whose URL for it is {@code start}): the final answer, or why there
     * is none. Up front it sends what is known to work for the endpoint (a static bearer token; Basic credentials
     * once the endpoint asked for Basic; the cached token for this scope), else nothing. A 401 from the endpoint
     * itself is answered once: the challenge it carries says how (a fresh token from the Bearer realm, or Basic
     * credentials); a cached token it refused (expired early, revoked) is dropped first. A second 401 fails.
     */
    public Sent exchange(Upstream endpoint, URI start, String scope, Call call) {
        String authorization = known(endpoint, scope);
        boolean fresh = false;
        while (true) {
            Sent sent = call.send(authorization);
            if (!(sent instanceof Sent.Answered a)
                    || a.status() != 401
                    || !Origin.same(start, a.response().uri())) {
                return sent;
            }
            List<AuthChallenge> offered =
                    AuthChallenge.parseAll(a.response().headers().allValues("WWW-Authenticate"));
            UpstreamHttp.closeQuietly(a.response().body());
            if (fresh || endpoint.credentials() instanceof Credentials.Bearer) {
                return new Sent.Failed(
                        FailureKind.STATUS_4XX,
                        "HTTP 401: the registry refused "
                                + (fresh ? "the credentials it asked for" : "the configured bearer token"));
            }
            if (authorization != null) {
                forgetToken(endpoint, scope);
            }
            AuthChallenge challenge = AuthChallenge.preferred(offered);
            if (challenge == null) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP 401 without a Bearer or Basic challenge");
            }
            challenges.put(endpoint.name(), challenge);
            try {
                authorization = authorize(endpoint, challenge, scope);
            } catch (AuthFailure e) {
                return new Sent.Failed(e.kind, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Sent.Failed(null, "interrupted");
            }
            fresh = true;
        }
    }

    /** The Authorization known to work for {@code endpoint} and {@code scope} before it is asked, or null. */
    private String known(Upstream endpoint, String scope) {
        if (endpoint.credentials() instanceof Credentials.Bearer b) {
            return b.authorization().orElseThrow();
        }
        AuthChallenge challenge = challenges.get(endpoint.name());
        if (challenge == null) {
            return null;
        }
        if (challenge.isBasic()) {
            return endpoint.credentials() instanceof Credentials.Basic b
                    ? b.authorization().orElseThrow()
                    : null;
        }
        return tokens.authorization(endpoint, challenge, scope);
    }

    private void forgetToken(Upstream endpoint, String scope) {
        AuthChallenge challenge = challenges.get(endpoint.name());
        if (challenge != null && challenge.isBearer()) {
            tokens.forget(endpoint, challenge, scope);
        }
    }

    /** The Authorization value that answers {@code challenge}. */
    private String authorize(Upstream endpoint, AuthChallenge challenge, String scope)
            throws AuthFailure, InterruptedException {
        if (challenge.isBasic()) {
            if (endpoint.credentials() instanceof Credentials.Basic b) {
                return b.authorization().orElseThrow();
            }
            throw new AuthFailure(
                    FailureKind.STATUS_4XX,
                    "HTTP 401: the registry asks for Basic credentials and none are configured");
        }
        Token token = realms.fetch(endpoint, challenge, scope);
        tokens.put(endpoint, challenge, scope, token);
        return token.authorization();
    }
}
