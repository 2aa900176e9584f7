package dev.ferry.upstreams.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.MediaTypes;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.upstreams.oci.auth.RegistryAuth;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.Answer;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.Attempted;
import dev.ferry.upstreams.pool.BodyHandler;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.FetchResult;
import dev.ferry.upstreams.pool.Outcome;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.PoolWalk;
import dev.ferry.upstreams.pool.Sent;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamCall;
import dev.ferry.upstreams.pool.UpstreamEvents;
import dev.ferry.upstreams.pool.UpstreamHttp;
import dev.ferry.upstreams.pool.UpstreamPool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
 * reading the body) is ferry's problem: no penalty, and the walk stops. A first request is hedged as a GOPROXY's
 * is, a small body (up to the pool's {@code smallBody}) read whole before the race is decided; a blob that breaks
 * part-way is continued, from the same endpoint first when its connection broke ({@link #SAME_ENDPOINT_RESUMES}).
 *
 * <p>Authentication follows the endpoint's {@code WWW-Authenticate} ({@link RegistryAuth}). Redirects are
 * followed by hand ({@link RegistryTransport}) so that Authorization never goes to another host: blob redirects
 * point at object stores whose presigned URLs are refused when they carry a second credential.
 */
public final class HttpRegistryClient implements RegistryClient {
    /** The referrers API answers an image index; the limit the contract promises callers. */
    static final int REFERRERS_LIMIT = 4 * 1024 * 1024;
    /** A tags page bigger than this is hostile; registries paginate long before. */
    static final int TAGS_LIMIT = 8 * 1024 * 1024;

    static final int REASON_LIMIT = 300;
    /** How often a broken blob body is continued from the endpoint it broke on before moving on. */
    static final int SAME_ENDPOINT_RESUMES = 2;

    private static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.MANIFESTS);
    private static final Pattern LINK = Pattern.compile("<([^>]*)>([^,]*)");
    private static final Pattern REL_NEXT =
            Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";]*)\"?", Pattern.CASE_INSENSITIVE);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Endpoints are replicas: a 404 is the answer unless an endpoint before it failed. First requests are hedged
     * like a GOPROXY's (small bodies raced whole): a congested first endpoint must cost a pull as little as a dead one.
     */
    private static final PoolWalk.Rules REPLICAS = new PoolWalk.Rules(true, true, status -> status == 404);

    private final String registry;
    private final UpstreamPool pool;
    private final UpstreamHttp http;
    private final PoolWalk walk;
    private final RegistryTransport transport;
    private final RegistryAuth auth;

    /**
     * Every endpoint moves on to the next after any error, whatever its {@link Upstream#afterFailure()} says:
     * endpoints of one registry are replicas, not the go command's ordered list of different proxies.
     */
    public HttpRegistryClient(
            String registry, List<Upstream> endpoints, PoolSettings settings, UpstreamEvents events, Clock clock) {
        this.registry = registry;
        List<Upstream> replicas = endpoints.stream()
                .map(u -> new Upstream(
                        withoutTrailingSlash(u.base()),
                        u.name(),
                        AfterFailure.MOVE_ON,
                        u.weight(),
                        u.credentials(),
                        u.timeouts()))
                .toList();
        this.pool = new UpstreamPool(replicas, settings, clock, events);
        this.http = new UpstreamHttp(pool, events, clock);
        this.walk = new PoolWalk(pool, http, events, REPLICAS);
        this.transport = new RegistryTransport(http, replicas, settings.redirects());
        this.auth = new RegistryAuth(http, transport, clock, settings.redirects());
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
        RegistryCall call = new RegistryCall(
                "HEAD", "v2/" + repository + "/manifests/" + reference, pullScope(repository), ACCEPT_MANIFESTS);
        return fetch(call, (exchange, answer) -> {
            UpstreamHttp.closeQuietly(answer.response().body());
            return new Attempted<>(new Outcome.Success<>(head(answer.response())), answer.index());
        });
    }

    @Override
    public FetchResult<Long> headBlob(RepositoryName repository, Digest digest) {
        RegistryCall call =
                new RegistryCall("HEAD", "v2/" + repository + "/blobs/" + digest, pullScope(repository), null, true);
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
        RegistryCall call = new RegistryCall(
                "GET", "v2/" + repository + "/manifests/" + reference, pullScope(repository), ACCEPT_MANIFESTS);
        return fetch(call, (exchange, answer) -> {
            String endpoint = answer.upstream().name();
            ManifestHead head = head(answer.response());
            Outcome<byte[]> read = http.readWhole(answer, Manifest.MAX_SIZE, "manifest");
            if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
                return new Attempted<>(read.cast(), answer.index());
            }
            return new Attempted<>(
                    Outcome.handled(
                            () -> handler.handle(new ByteArrayInputStream(bytes), head, endpoint), count, nanos),
                    answer.index());
        });
    }

    @Override
    public <T> FetchResult<T> blob(RepositoryName repository, Digest digest, BodyHandler<T> handler) {
        RegistryCall call =
                new RegistryCall("GET", "v2/" + repository + "/blobs/" + digest, pullScope(repository), null);
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
            Outcome<byte[]> read = http.readWhole(answer, TAGS_LIMIT, "tags list");
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
                return new Attempted<>(
                        Outcome.failure(FailureKind.REJECTED, "tags list is not an object with a tags array"), index);
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
        RegistryCall call = new RegistryCall(
                "GET", "v2/" + repository + "/referrers/" + subject, pullScope(repository), MediaTypes.OCI_INDEX);
        return fetch(call, (exchange, answer) -> {
            int index = answer.index();
            Outcome<byte[]> read = http.readWhole(answer, REFERRERS_LIMIT, "referrers index");
            if (!(read instanceof Outcome.Success<byte[]>(byte[] bytes, long count, long nanos))) {
                return new Attempted<>(read, index);
            }
            try {
                JsonNode tree = JSON.readTree(bytes);
                if (tree == null || !tree.isObject()) {
                    return new Attempted<>(
                            Outcome.failure(FailureKind.REJECTED, "referrers answer is not a JSON object"), index);
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
        transport.close();
    }

    // ---- the walk ----

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

    /** One call as the walk asks it of each endpoint: authenticated as the endpoint asks, redirects followed. */
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
            long started = System.nanoTime();
            URI start = upstream.resolve(call.path());
            Sent sent = auth.exchange(
                    upstream,
                    start,
                    call.scope(),
                    authorization -> transport.follow(upstream, start, call, rangeFrom, authorization));
            if (rangeFrom == 0 && call.method().equals("GET")) {
                // Read a small body whole here, so a hedge races the whole transfer, not just the headers.
                sent = http.readSmall(upstream, sent);
            }
            // Timed from the first request: the endpoint's speed is what a client waits for, auth included.
            return sent instanceof Sent.Answered a ? a.startedAt(started) : sent;
        }

        @Override
        public Attempted<T> read(Answer answer) {
            int status = answer.status();
            if (status == 200 || (RegistryTransport.isRedirect(status) && call.redirectAnswers())) {
                return reader.read(this, answer);
            }
            return walk.refused(answer, HttpRegistryClient::reason);
        }

        @Override
        public String describe(Upstream upstream) {
            return upstream.name() + " " + call.method() + " " + RegistryTransport.pathOnly(call.path());
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
        return new ManifestHead(
                MediaTypes.essence(headers.firstValue("Content-Type").orElse(null)),
                digest,
                headers.firstValueAsLong("Content-Length").orElse(-1));
    }

    private static String pullScope(RepositoryName repository) {
        return "repository:" + repository + ":pull";
    }

    /** The active probe: GET /v2/ without credentials; any answer below 500 other than 429 (401 too) means alive. */
    private AttemptOutcome probe(Upstream upstream) {
        RegistryCall call = new RegistryCall("GET", "v2/", null, null);
        return http.probed(upstream, transport.send(upstream, upstream.resolve(call.path()), call, 0, null));
    }

    /**
     * The error codes of a non-200 OCI error body ({@code {"errors":[{"code":"DENIED",...}]}}), comma-separated, or
     * empty: the codes are the spec's vocabulary, the messages beside them are the upstream's free text and are not
     * repeated (nor is anything of a body that is not an error document).
     */
    static String reason(InputStream body) {
        byte[] bytes;
        try {
            bytes = body.readNBytes(REASON_LIMIT * 64);
        } catch (IOException e) {
            // The reason is a courtesy; a broken error body does not change the status.
            return "";
        }
        try {
            JsonNode errors = JSON.readTree(bytes).path("errors");
            List<String> codes = new ArrayList<>();
            for (JsonNode e : errors) {
                String code = e.path("code").asText("");
                if (code.matches("[A-Z][A-Z_]{0,39}") && codes.size() < 5) {
                    codes.add(code);
                }
            }
            return String.join(", ", codes);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
