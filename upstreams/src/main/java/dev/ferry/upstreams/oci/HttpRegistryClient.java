package dev.ferry.upstreams.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.upstreams.AfterFailure;
import dev.ferry.upstreams.Answer;
import dev.ferry.upstreams.AttemptOutcome;
import dev.ferry.upstreams.Attempted;
import dev.ferry.upstreams.BodyHandler;
import dev.ferry.upstreams.Credentials;
import dev.ferry.upstreams.FailureKind;
import dev.ferry.upstreams.FetchResult;
import dev.ferry.upstreams.Outcome;
import dev.ferry.upstreams.PoolSettings;
import dev.ferry.upstreams.PoolWalk;
import dev.ferry.upstreams.Sent;
import dev.ferry.upstreams.Upstream;
import dev.ferry.upstreams.UpstreamCall;
import dev.ferry.upstreams.UpstreamEvents;
import dev.ferry.upstreams.UpstreamHttp;
import dev.ferry.upstreams.UpstreamPool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link RegistryClient} on the JDK HttpClient over an {@link UpstreamPool} of the registry's endpoints.
 * Each endpoint's {@link Upstream#credentials()} are used for Basic challenges and for the token realm.
 *
 * <p>One walk ({@link PoolWalk}) asks the endpoints in the pool's order. Any failure (no connection, timeouts, a
 * broken or stalled body, 5xx, 429, an unexpected status, a body the handler rejects, a token realm that fails)
 * counts against the endpoint and moves on to the next; a 404 ends the walk as NotFound only when no endpoint
 * before it failed, because a replica's 404 is authoritative only if the others could not have said otherwise.
 * An endpoint whose breaker is open is skipped. A walk that failed is repeated after a jittered backoff within
 * the retry budget ({@link PoolSettings#retry()}). An IOException the handler raises on its own side (not from
 * reading the body) is ferry's problem: no penalty, and the walk stops. A first request is not hedged; a blob
 * that breaks part-way is continued, from the same endpoint first ({@link #SAME_ENDPOINT_RESUMES}).
 *
 * <p>Authentication follows the endpoint's {@code WWW-Authenticate} (see {@link #exchange}). Redirects are
 * followed here rather than by the HttpClient so that Authorization never goes to another host: blob redirects
 * point at object stores whose presigned URLs are refused when they carry a second credential.
 */
public final class HttpRegistryClient implements RegistryClient {
    private static final System.Logger LOG = System.getLogger(HttpRegistryClient.class.getName());
    static final int MAX_REDIRECTS = 5;
    /** The referrers API answers an image index; the limit the contract promises callers. */
    static final int REFERRERS_LIMIT = 4 * 1024 * 1024;
    /** A tags page bigger than this is hostile; registries paginate long before. */
    static final int TAGS_LIMIT = 8 * 1024 * 1024;
    /** Token responses are a few KiB (JWTs with claims); this only bounds memory. */
    static final int TOKEN_LIMIT = 1024 * 1024;
    static final int REASON_LIMIT = 300;
    /** How often a broken blob body is continued from the endpoint it broke on before moving on. */
    static final int SAME_ENDPOINT_RESUMES = 2;
    /** The docker token spec's default when a token response names no lifetime. */
    static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** A token is dropped this long before it expires (at most a quarter of its life), so it never expires in flight. */
    static final Duration TOKEN_MARGIN = Duration.ofSeconds(10);
    private static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.MANIFESTS);
    private static final Pattern LINK = Pattern.compile("<([^>]*)>([^,]*)");
    private static final Pattern REL_NEXT = Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";]*)\"?", Pattern.CASE_INSENSITIVE);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Endpoints are replicas: a 404 is the answer unless an endpoint before it failed; first requests are not hedged. */
    private static final PoolWalk.Rules REPLICAS = new PoolWalk.Rules(false, true, status -> status == 404);

    private final String registry;
    private final UpstreamPool pool;
    private final UpstreamHttp http;
    private final PoolWalk walk;
    private final Clock clock;
    private final Map<String, HttpClient> clients = new HashMap<>();
    /** The last challenge each endpoint answered with, by endpoint name: says how to authenticate up front. */
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
    private final Map<TokenKey, Token> tokens = new ConcurrentHashMap<>();

    /**
     * Every endpoint moves on to the next after any error, whatever its {@link Upstream#afterFailure()} says:
     * endpoints of one registry are replicas, not the go command's ordered list of different proxies.
     */
    public HttpRegistryClient(String registry, List<Upstream> endpoints, PoolSettings settings, UpstreamEvents events,
                              Clock clock) {
        this.registry = registry;
        this.clock = clock;
        List<Upstream> replicas = endpoints.stream().map(u -> new Upstream(withoutTrailingSlash(u.base()), u.name(),
                AfterFailure.MOVE_ON, u.weight(), u.credentials(), u.timeouts())).toList();
        this.pool = new UpstreamPool(replicas, settings, clock, events);
        this.http = new UpstreamHttp(pool, events, clock);
        this.walk = new PoolWalk(pool, http, events, REPLICAS);
        for (Upstream u : replicas) {
            // Redirect.NEVER: see the class comment. HTTP/2 only where TLS negotiates it; sendOnce picks per URI.
            clients.put(u.name(), HttpClient.newBuilder()
                    .connectTimeout(u.timeouts().connect())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .version(HttpClient.Version.HTTP_2)
                    .build());
        }
    }

    private static URI withoutTrailingSlash(URI base) {
        String s = base.toString();
        return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : base;
    }

    @Override
    public String registry() {
        return registry;
    }

    @Override
    public FetchResult<ManifestHead> headManifest(RepositoryName repository, Reference reference) {
        RegistryCall call = new RegistryCall("HEAD", "v2/" + repository + "/manifests/" + reference, pullScope(repository), ACCEPT_MANIFESTS);
        return fetch(call, (exchange, answer) -> {
            UpstreamHttp.closeQuietly(answer.response().body());
            return new Attempted<>(new Outcome.Success<>(head(answer.response())), answer.index());
        });
    }

    @Override
    public FetchResult<Long> headBlob(RepositoryName repository, Digest digest) {
        RegistryCall call = new RegistryCall("HEAD", "v2/" + repository + "/blobs/" + digest, pullScope(repository), null, true);
        return fetch(call, (exchange, answer) -> {
            UpstreamHttp.closeQuietly(answer.response().body());
            // A redirect's own Content-Length says nothing about the blob.
            long size = answer.status() == 200 ? answer.declaredLength() : -1;
            return new Attempted<>(new Outcome.Success<>(size), answer.index());
        });
    }

    /**
     * The body is read whole (it is at most {@link Manifest#MAX_SIZE}) before the handler sees it, so a transfer
     * failure is never mistaken for the handler's own; a larger declared or actual body is rejected unread.
     */
    @Override
    public <T> FetchResult<T> manifest(RepositoryName repository, Reference reference, ManifestHandler<T> handler) {
        RegistryCall call = new RegistryCall("GET", "v2/" + repository + "/manifests/" + reference, pullScope(repository), ACCEPT_MANIFESTS);
        return fetch(call, (exchange, answer) -> {
            String endpoint = answer.upstream().name();
            ManifestHead head = head(answer.response());
            Outcome<byte[]> read = http.readWhole(answer.upstream(), answer.response(), Manifest.MAX_SIZE, "manifest");
            if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
                return new Attempted<>(read.cast(), answer.index());
            }
            return new Attempted<>(Outcome.handled(() -> handler.handle(new ByteArrayInputStream(bytes), head, endpoint),
                    count, nanos), answer.index());
        });
    }

    @Override
    public <T> FetchResult<T> blob(RepositoryName repository, Digest digest, BodyHandler<T> handler) {
        RegistryCall call = new RegistryCall("GET", "v2/" + repository + "/blobs/" + digest, pullScope(repository), null);
        return fetch(call, (exchange, answer) -> walk.stream(exchange, answer, handler, SAME_ENDPOINT_RESUMES));
    }

    /** Tags the upstream lists that are not valid tags are left out: ferry could not serve them anyway. */
    @Override
    public FetchResult<TagPage> tags(RepositoryName repository, int n, String last) {
        List<String> query = new ArrayList<>();
        if (n > 0) {
            query.add("n=" + n);
        }
        if (last != null && !last.isEmpty()) {
            query.add("last=" + URLEncoder.encode(last, StandardCharsets.UTF_8));
        }
        String path = "v2/" + repository + "/tags/list" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        RegistryCall call = new RegistryCall("GET", path, pullScope(repository), "application/json");
        return fetch(call, (exchange, answer) -> {
            int index = answer.index();
            Outcome<byte[]> read = http.readWhole(answer.upstream(), answer.response(), TAGS_LIMIT, "tags list");
            if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
                return new Attempted<>(read.cast(), index);
            }
            JsonNode list;
            try {
                list = JSON.readTree(bytes);
            } catch (IOException e) {
                return new Attempted<>(Outcome.failure(FailureKind.REJECTED, "tags list is not JSON"), index);
            }
            JsonNode tags = list == null ? null : list.get("tags");
            if (list == null || !list.isObject() || (tags != null && !tags.isNull() && !tags.isArray())) {
                return new Attempted<>(Outcome.failure(FailureKind.REJECTED, "tags list is not an object with a tags array"), index);
            }
            List<String> names = new ArrayList<>();
            if (tags != null) {
                for (JsonNode t : tags) {
                    if (t.isTextual() && validTag(t.asText())) {
                        names.add(t.asText());
                    }
                }
            }
            String next = nextLast(answer.response().headers().allValues("Link"));
            return new Attempted<>(new Outcome.Success<>(new TagPage(List.copyOf(names), next)), index);
        });
    }

    private static boolean validTag(String text) {
        try {
            Tag.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The {@code last} of the Link header's {@code rel="next"} target (distribution-spec, "Listing Tags"), or
     * null when there is no next page or its URL carries no {@code last}.
     */
    static String nextLast(List<String> linkHeaders) {
        for (String header : linkHeaders) {
            Matcher m = LINK.matcher(header.length() > 8192 ? header.substring(0, 8192) : header);
            while (m.find()) {
                Matcher rel = REL_NEXT.matcher(m.group(2));
                boolean next = false;
                while (rel.find()) {
                    for (String r : rel.group(1).strip().split("\\s+")) {
                        next |= r.equalsIgnoreCase("next");
                    }
                }
                if (!next) {
                    continue;
                }
                String query;
                try {
                    query = URI.create(m.group(1).strip()).getRawQuery();
                } catch (IllegalArgumentException e) {
                    return null;
                }
                if (query == null) {
                    return null;
                }
                for (String pair : query.split("&")) {
                    if (pair.startsWith("last=")) {
                        try {
                            String v = URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8);
                            return v.isEmpty() ? null : v;
                        } catch (IllegalArgumentException e) {
                            return null;
                        }
                    }
                }
                return null;
            }
        }
        return null;
    }

    /** The body must be a JSON object: anything else is rejected here so the caller never stores it. */
    @Override
    public FetchResult<byte[]> referrers(RepositoryName repository, Digest subject) {
        RegistryCall call = new RegistryCall("GET", "v2/" + repository + "/referrers/" + subject, pullScope(repository),
                MediaTypes.OCI_INDEX);
        return fetch(call, (exchange, answer) -> {
            int index = answer.index();
            Outcome<byte[]> read = http.readWhole(answer.upstream(), answer.response(), REFERRERS_LIMIT, "referrers index");
            if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
                return new Attempted<>(read, index);
            }
            try {
                JsonNode tree = JSON.readTree(bytes);
                if (tree == null || !tree.isObject()) {
                    return new Attempted<>(Outcome.failure(FailureKind.REJECTED, "referrers answer is not a JSON object"), index);
                }
            } catch (IOException e) {
                return new Attempted<>(Outcome.failure(FailureKind.REJECTED, "referrers answer is not JSON"), index);
            }
            return new Attempted<>(read, index);
        });
    }

    @Override
    public UpstreamPool pool() {
        return pool;
    }

    /** Starts the active probe of endpoints whose breakers are open (GET /v2/: any answer below 500 but 429 is alive, 401 included). */
    public void startProbing() {
        pool.startProbing(this::probe);
    }

    /** Runs the due probes now; for tests, which drive the breakers' cool-downs with their own clock. */
    void probeDue() {
        pool.probeDue(this::probe);
    }

    @Override
    public void close() {
        pool.close();
        clients.values().forEach(HttpClient::shutdownNow);
    }

    // ---- the walk ----

    /** One request of the distribution API: method, path under the endpoint, token scope, Accept (or null). */
    /** {@code redirectAnswers}: a redirect is the answer (a HEAD whose storage URL is signed for GET only). */
    private record RegistryCall(String method, String path, String scope, String accept, boolean redirectAnswers) {
        RegistryCall(String method, String path, String scope, String accept) {
            this(method, path, scope, accept, false);
        }
    }

    /** Reads the success answer (a 200, or a redirect the call reads as one) that {@code exchange} got; owns and closes its body. */
    @FunctionalInterface
    private interface Reader<T> {
        Attempted<T> read(Exchange<T> exchange, Answer answer);
    }

    private <T> FetchResult<T> fetch(RegistryCall call, Reader<T> reader) {
        if (pool.isEmpty()) {
            return new FetchResult.Failed<>(List.of());
        }
        return walk.fetch(new Exchange<>(call, reader));
    }

    /** One call as the walk asks it of each endpoint: with authentication and redirects (see {@link #exchange}). */
    private final class Exchange<T> implements UpstreamCall<T> {
        private final RegistryCall call;
        private final Reader<T> reader;

        Exchange(RegistryCall call, Reader<T> reader) {
            this.call = call;
            this.reader = reader;
        }

        @Override
        public String path() {
            return call.path();
        }

        @Override
        public Sent send(Upstream upstream, long rangeFrom) {
            return exchange(upstream, call, rangeFrom);
        }

        @Override
        public Attempted<T> read(Answer answer) {
            int status = answer.status();
            if (status == 200 || (isRedirect(status) && call.redirectAnswers())) {
                return reader.read(this, answer);
            }
            return walk.refused(answer, HttpRegistryClient::reason);
        }

        @Override
        public String describe(Upstream upstream) {
            return upstream.name() + " " + call.method() + " " + pathOnly(call.path());
        }
    }

    private static ManifestHead head(HttpResponse<InputStream> response) {
        var headers = response.headers();
        Digest digest = null;
        String d = headers.firstValue("Docker-Content-Digest").orElse(null);
        if (d != null) {
            try {
                digest = Digest.parse(d.strip());
            } catch (IllegalArgumentException e) {
                // The contract: an unparseable digest header counts as none; the body's hash decides.
            }
        }
        return new ManifestHead(MediaTypes.essence(headers.firstValue("Content-Type").orElse(null)), digest,
                headers.firstValueAsLong("Content-Length").orElse(-1));
    }

    // ---- one request: authentication and redirects ----

    /** Why a request could not be authorised; becomes the endpoint's failure. */
    private static final class AuthFailure extends Exception {
        final FailureKind kind;

        AuthFailure(FailureKind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }

    /**
     * Sends {@code call} to {@code upstream} and follows redirects: the final answer, or why there is none. Up
     * front it sends what is known to work for the endpoint (a static bearer token; Basic credentials once the
     * endpoint asked for Basic; the cached token for this scope), else nothing. A 401 from the endpoint itself
     * is answered once: the challenge it carries says how (a fresh token from the Bearer realm, or Basic
     * credentials); a cached token it refused (expired early, revoked) is dropped first. A second 401 fails.
     */
    private Sent exchange(Upstream upstream, RegistryCall call, long rangeFrom) {
        long started = System.nanoTime();
        URI start = upstream.resolve(call.path());
        String authorization = knownAuthorization(upstream, call.scope());
        boolean fresh = false;
        while (true) {
            Sent sent = follow(upstream, start, call, rangeFrom, authorization);
            if (!(sent instanceof Sent.Answered a) || a.status() != 401 || !sameOrigin(start, a.response().uri())) {
                // Timed from the first request: the endpoint's speed is what a client waits for, auth included.
                return sent instanceof Sent.Answered a ? a.startedAt(started) : sent;
            }
            List<AuthChallenge> offered = AuthChallenge.parseAll(a.response().headers().allValues("WWW-Authenticate"));
            UpstreamHttp.closeQuietly(a.response().body());
            if (fresh || upstream.credentials() instanceof Credentials.Bearer) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP 401: the registry refused "
                        + (fresh ? "the credentials it asked for" : "the configured bearer token"));
            }
            if (authorization != null) {
                forgetToken(upstream, call.scope());
            }
            AuthChallenge challenge = AuthChallenge.preferred(offered);
            if (challenge == null) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP 401 without a Bearer or Basic challenge");
            }
            challenges.put(upstream.name(), challenge);
            try {
                authorization = authorize(upstream, challenge, call.scope());
            } catch (AuthFailure e) {
                return new Sent.Failed(e.kind, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Sent.Failed(null, "interrupted");
            }
            fresh = true;
        }
    }

    private String knownAuthorization(Upstream upstream, String scope) {
        if (upstream.credentials() instanceof Credentials.Bearer b) {
            return b.authorization().orElseThrow();
        }
        AuthChallenge challenge = challenges.get(upstream.name());
        if (challenge == null) {
            return null;
        }
        if (challenge.isBasic()) {
            return upstream.credentials() instanceof Credentials.Basic b ? b.authorization().orElseThrow() : null;
        }
        Token token = tokens.get(TokenKey.of(upstream, challenge, scope));
        if (token == null) {
            return null;
        }
        if (!clock.instant().isBefore(token.usableUntil())) {
            tokens.remove(TokenKey.of(upstream, challenge, scope), token);
            return null;
        }
        return token.authorization();
    }

    private void forgetToken(Upstream upstream, String scope) {
        AuthChallenge challenge = challenges.get(upstream.name());
        if (challenge != null && challenge.isBearer()) {
            tokens.remove(TokenKey.of(upstream, challenge, scope));
        }
    }

    /** The Authorization value that answers {@code challenge}. */
    private String authorize(Upstream upstream, AuthChallenge challenge, String scope) throws AuthFailure, InterruptedException {
        if (challenge.isBasic()) {
            if (upstream.credentials() instanceof Credentials.Basic b) {
                return b.authorization().orElseThrow();
            }
            throw new AuthFailure(FailureKind.STATUS_4XX, "HTTP 401: the registry asks for Basic credentials and none are configured");
        }
        Token token = fetchToken(upstream, challenge, scope);
        tokens.put(TokenKey.of(upstream, challenge, scope), token);
        return token.authorization();
    }

    /** Tokens are cached by endpoint, realm, service and the scope ferry asked for. */
    private record TokenKey(String endpoint, String realm, String service, String scope) {
        static TokenKey of(Upstream upstream, AuthChallenge c, String scope) {
            return new TokenKey(upstream.name(), c.param("realm"), c.param("service"), scope);
        }
    }

    /** {@code authorization} is the whole header value; toString hides it. */
    private record Token(String authorization, Instant usableUntil) {
        @Override
        public String toString() {
            return "Token[***, until " + usableUntil + "]";
        }
    }

    /**
     * GET of the challenge's realm with its service and scope (the challenge's scope if it names one, else pull
     * of the repository), with the endpoint's Basic credentials if it has some (docker token spec). The realm
     * must be https when the registry is (the credentials would otherwise cross the network in clear).
     */
    private Token fetchToken(Upstream upstream, AuthChallenge challenge, String scope) throws AuthFailure, InterruptedException {
        String realmText = challenge.param("realm");
        URI realm;
        try {
            realm = URI.create(realmText.strip());
        } catch (IllegalArgumentException e) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm is not a URL");
        }
        String scheme = realm.getScheme() == null ? "" : realm.getScheme().toLowerCase(Locale.ROOT);
        if (!realm.isAbsolute() || realm.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm is not an http(s) URL: " + origin(realm));
        }
        if (scheme.equals("http") && "https".equalsIgnoreCase(upstream.base().getScheme())) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm " + origin(realm) + " is plain http while the registry is https");
        }
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
        String base = realm.toString();
        URI uri;
        try {
            uri = URI.create(base + (realm.getRawQuery() == null ? "?" : "&") + query);
        } catch (IllegalArgumentException e) {
            throw new AuthFailure(FailureKind.STATUS_4XX, "token realm is not a URL");
        }
        HttpRequest.Builder b = UpstreamHttp.request(uri, upstream).GET().header("Accept", "application/json");
        if (upstream.credentials() instanceof Credentials.Basic basic) {
            b.header("Authorization", basic.authorization().orElseThrow());
        }
        Instant asked = clock.instant();
        HttpResponse<InputStream> response;
        switch (http.send(clients.get(upstream.name()), upstream, b.build())) {
            case Sent.Failed f when f.kind() == null -> throw new InterruptedException();
            case Sent.Failed f -> throw new AuthFailure(f.kind(), "token realm " + origin(realm) + ": " + f.detail());
            case Sent.Answered a -> response = a.response();
        }
        int status = response.statusCode();
        if (status != 200) {
            UpstreamHttp.closeQuietly(response.body());
            String why = status == 401 || status == 403 ? " (the configured credentials were refused)" : "";
            throw new AuthFailure(FailureKind.ofStatus(status), "token realm " + origin(realm) + " answered HTTP " + status + why);
        }
        Outcome<byte[]> read = http.readWhole(upstream, response, TOKEN_LIMIT, "token response");
        if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
            Outcome.Failure<byte[]> f = (Outcome.Failure<byte[]>) read;
            throw new AuthFailure(f.kind(), "token realm " + origin(realm) + ": " + f.detail());
        }
        return parseToken(bytes, asked, origin(realm));
    }

    /**
     * {@code token} (or OAuth2's {@code access_token}), usable until {@code expires_in} seconds (60 when absent
     * or not positive) after it was issued, less a margin. "Issued" is when we asked, or the server's
     * {@code issued_at} when that is earlier: a server clock ahead of ours must not stretch a token's life.
     */
    private Token parseToken(byte[] bytes, Instant asked, String realm) throws AuthFailure {
        JsonNode tree;
        try {
            tree = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new AuthFailure(FailureKind.REJECTED, "token realm " + realm + " answered something that is not JSON");
        }
        if (tree == null || !tree.isObject()) {
            throw new AuthFailure(FailureKind.REJECTED, "token realm " + realm + " answered something that is not a JSON object");
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
                ? Duration.ofSeconds(Math.min(expiresIn.asLong(), 86_400 * 365)) : DEFAULT_TOKEN_LIFETIME;
        Instant issued = asked;
        String issuedAt = text(tree, "issued_at");
        if (issuedAt != null) {
            try {
                Instant said = ZonedDateTime.parse(issuedAt).toInstant();
                if (said.isBefore(issued)) {
                    issued = said;
                }
            } catch (DateTimeParseException e) {
                // Optional field; an unreadable one changes nothing.
            }
        }
        Duration margin = TOKEN_MARGIN.compareTo(life.dividedBy(4)) < 0 ? TOKEN_MARGIN : life.dividedBy(4);
        return new Token("Bearer " + token, issued.plus(life).minus(margin));
    }

    private static String text(JsonNode tree, String field) {
        JsonNode n = tree.get(field);
        return n != null && n.isTextual() && !n.asText().isEmpty() ? n.asText() : null;
    }

    /**
     * One request and the redirects it answers with, up to {@link #MAX_REDIRECTS}: a relative Location is
     * resolved against the URI that sent it; https to http is refused; Authorization goes only to the origin of
     * the endpoint's own URL.
     */
    private Sent follow(Upstream upstream, URI start, RegistryCall call, long rangeFrom, String authorization) {
        URI uri = start;
        for (int hop = 0; ; hop++) {
            Sent sent = sendOnce(upstream, uri, call, rangeFrom, sameOrigin(start, uri) ? authorization : null);
            if (!(sent instanceof Sent.Answered a) || !isRedirect(a.status()) || call.redirectAnswers()) {
                return sent;
            }
            UpstreamHttp.closeQuietly(a.response().body());
            if (hop >= MAX_REDIRECTS) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "more than " + MAX_REDIRECTS + " redirects");
            }
            String location = a.response().headers().firstValue("Location").orElse(null);
            if (location == null || location.isBlank()) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP " + a.status() + " without a Location");
            }
            URI next;
            try {
                next = uri.resolve(location.strip());
            } catch (IllegalArgumentException e) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "HTTP " + a.status() + " with an unusable Location");
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || next.getHost() == null) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "redirect to a URL that is not http(s)");
            }
            if (scheme.equals("http") && "https".equalsIgnoreCase(uri.getScheme())) {
                return new Sent.Failed(FailureKind.STATUS_4XX, "redirect from https to plain http refused: " + origin(next));
            }
            // The query of a redirect to an object store is its signature: logs get the origin and path only.
            URI from = uri;
            LOG.log(System.Logger.Level.DEBUG, () -> upstream.name() + ": " + pathOnly(from.getRawPath()) + " redirected to "
                    + origin(next) + next.getRawPath());
            uri = next;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private Sent sendOnce(Upstream upstream, URI uri, RegistryCall call, long rangeFrom, String authorization) {
        HttpRequest.Builder b = UpstreamHttp.request(uri, upstream).method(call.method(), HttpRequest.BodyPublishers.noBody());
        if (call.accept() != null) {
            b.header("Accept", call.accept());
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (rangeFrom > 0) {
            b.header("Range", "bytes=" + rangeFrom + "-");
        }
        return http.send(clients.get(upstream.name()), upstream, b.build());
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String origin(URI u) {
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static String pathOnly(String path) {
        int q = path == null ? -1 : path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    private static String pullScope(RepositoryName repository) {
        return "repository:" + repository + ":pull";
    }

    /** The active probe: GET /v2/ without credentials; any answer below 500 other than 429 (401 too) means alive. */
    private AttemptOutcome probe(Upstream upstream) {
        RegistryCall call = new RegistryCall("GET", "v2/", null, null);
        return http.probed(upstream, sendOnce(upstream, upstream.resolve(call.path()), call, 0, null));
    }

    /** The start of a non-200 body as one line of plain text, bounded: OCI error bodies are short JSON. */
    private static String reason(InputStream body) {
        byte[] bytes;
        try {
            bytes = body.readNBytes(REASON_LIMIT * 4);
        } catch (IOException e) {
            // The reason is a courtesy; a broken error body does not change the status.
            return "";
        }
        String text = new String(bytes, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}+", " ").strip();
        return text.length() > REASON_LIMIT ? text.substring(0, REASON_LIMIT) + "…" : text;
    }
}
