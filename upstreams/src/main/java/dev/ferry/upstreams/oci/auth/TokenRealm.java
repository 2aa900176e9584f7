package dev.ferry.upstreams.oci.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.Outcome;
import dev.ferry.upstreams.pool.RedirectPolicy;
import dev.ferry.upstreams.pool.Sent;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The token a Bearer challenge's realm gives (docker token spec): a GET of the realm with the challenge's service
 * and scope (the challenge's scope if it names one, else the one ferry asks for), with the endpoint's Basic
 * credentials if it has some. The realm must be https when the registry is (the credentials would otherwise
 * cross the network in clear).
 */
final class TokenRealm {
    /** Token responses are a few KiB (JWTs with claims); this only bounds memory. */
    static final int TOKEN_LIMIT = 1024 * 1024;
    /** The docker token spec's default when a token response names no lifetime. */
    static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** A token is dropped this long before it expires (at most a quarter of its life), so it never expires in flight. */
    static final Duration TOKEN_MARGIN = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final UpstreamHttp http;
    private final RegistryAuth.Transport transport;
    private final Clock clock;
    private final RedirectPolicy policy;

    TokenRealm(UpstreamHttp http, RegistryAuth.Transport transport, Clock clock, RedirectPolicy policy) {
        this.http = http;
        this.transport = transport;
        this.clock = clock;
        this.policy = policy;
    }

    /** A token for {@code scope} at {@code endpoint}, from the realm {@code challenge} names. */
    Token fetch(Upstream endpoint, AuthChallenge challenge, String scope) throws AuthFailure, InterruptedException {
        URI realm = realm(endpoint, challenge);
        // A realm is where the upstream sends ferry, as a redirect does: the same addresses are refused.
        var refused = policy.realmRefusal(endpoint.base(), realm);
        if (refused.isPresent()) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm " + Origin.of(realm) + ": " + refused.get());
        }
        HttpRequest.Builder b = UpstreamHttp.request(withQuery(realm, challenge, scope), endpoint)
                .GET()
                .header("Accept", "application/json");
        // Credentials only to a realm on the upstream's own host or a configured realm host; elsewhere the token is
        // asked for anonymously (enough for public images).
        if (endpoint.credentials() instanceof Credentials.Basic basic
                && policy.credentialsMayGo(endpoint.base(), realm)) {
            b.header("Authorization", basic.authorization().orElseThrow());
        }
        Instant asked = clock.instant();
        HttpResponse<InputStream> response;
        switch (transport.send(endpoint, b.build())) {
            case Sent.Failed f when f.kind() == null -> throw new InterruptedException();
            case Sent.Failed f ->
                throw new AuthFailure(f.kind(), "token realm " + Origin.of(realm) + ": " + f.detail());
            case Sent.Answered a -> response = a.response();
        }
        int status = response.statusCode();
        if (status != 200) {
            UpstreamHttp.closeQuietly(response.body());
            String why = status == 401 || status == 403 ? " (the configured credentials were refused)" : "";
            throw new AuthFailure(
                    FailureKind.ofStatus(status), "token realm " + Origin.of(realm) + " answered HTTP " + status + why);
        }
        Outcome<byte[]> read = http.readWhole(endpoint, response, TOKEN_LIMIT, "token response");
        if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
            Outcome.Failure<byte[]> f = (Outcome.Failure<byte[]>) read;
            throw new AuthFailure(f.kind(), "token realm " + Origin.of(realm) + ": " + f.detail());
        }
        return parse(bytes, asked, Origin.of(realm));
    }

    /** The challenge's realm, if it is a URL the endpoint's credentials may go to. */
    private static URI realm(Upstream endpoint, AuthChallenge challenge) throws AuthFailure {
        URI realm;
        try {
            realm = URI.create(challenge.param("realm").strip());
        } catch (IllegalArgumentException e) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm is not a URL");
        }
        String scheme = realm.getScheme() == null ? "" : realm.getScheme().toLowerCase(Locale.ROOT);
        if (!realm.isAbsolute() || realm.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm is not an http(s) URL: " + Origin.of(realm));
        }
        if (scheme.equals("http") && "https".equalsIgnoreCase(endpoint.base().getScheme())) {
            throw new AuthFailure(
                    FailureKind.STATUS_4XX,
                    "token realm " + Origin.of(realm) + " is plain http while the registry is https");
        }
        return realm;
    }

    /** The realm asked for the challenge's service and scope (its own, or {@code scope}), after any query it has. */
    private static URI withQuery(URI realm, AuthChallenge challenge, String scope) throws AuthFailure {
        String service = challenge.param("service");
        String wanted = challenge.param("scope") != null ? challenge.param("scope") : scope;
        StringBuilder query = new StringBuilder();
        if (service != null) {
            query.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
        }
        if (!query.isEmpty()) {
            query.append('&');
        }
        query.append("scope=").append(URLEncoder.encode(wanted, StandardCharsets.UTF_8));
        try {
            return URI.create(realm + (realm.getRawQuery() == null ? "?" : "&") + query);
        } catch (IllegalArgumentException e) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm is not a URL");
        }
    }

    /**
     * {@code token} (or OAuth2's {@code access_token}), usable until {@code expires_in} seconds (60 when absent
     * or not positive) after it was issued, less a margin. "Issued" is when we asked, or the server's
     * {@code issued_at} when that is earlier: a server clock ahead of ours must not stretch a token's life.
     */
    private static Token parse(byte[] bytes, Instant asked, String realm) throws AuthFailure {
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new AuthFailure(
                    FailureKind.REJECTED, "token realm " + realm + " answered something that is not JSON");
        }
        if (tree == null || !tree.isObject()) {
            throw new AuthFailure(
                    FailureKind.REJECTED, "token realm " + realm + " answered something that is not a JSON object");
        }
        String token = text(tree, "token");
        if (token == null) {
            token = text(tree, "access_token");
        }
        if (token == null || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new AuthFailure(FailureKind.REJECTED, "token realm " + realm + " answered no usable token");
        }
        JsonNode expiresIn = tree.get("expires_in");
        Duration life = expiresIn != null && expiresIn.canConvertToLong() && expiresIn.asLong() > 0
                ? Duration.ofSeconds(Math.min(expiresIn.asLong(), 86_400 * 365))
                : DEFAULT_TOKEN_LIFETIME;
        Instant issued = earlier(asked, text(tree, "issued_at"));
        Duration margin = TOKEN_MARGIN.compareTo(life.dividedBy(4)) < 0 ? TOKEN_MARGIN : life.dividedBy(4);
        return new Token("Bearer " + token, issued.plus(life).minus(margin));
    }

    /** {@code asked}, or the server's {@code issued_at} when it is readable and earlier. */
    private static Instant earlier(Instant asked, String issuedAt) {
        if (issuedAt != null) {
            try {
                Instant said = ZonedDateTime.parse(issuedAt).toInstant();
                if (said.isBefore(asked)) {
                    return said;
                }
            } catch (DateTimeParseException e) {
                // Optional field; an unreadable one changes nothing.
            }
        }
        return asked;
    }

    private static String text(JsonNode tree, String field) {
        JsonNode n = tree.get(field);
        return n != null && n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
    }
}
