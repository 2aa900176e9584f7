package dev.ferry.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.hosted.HostedInStore;
import dev.ferry.server.hosted.HostedRepositories;
import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.mirror.oci.OciRepositories;
import dev.ferry.protocols.oci.ByteRange;
import dev.ferry.protocols.oci.Digest;
import dev.ferry.protocols.oci.Manifest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.OciFormatException;
import dev.ferry.protocols.oci.Reference;
import dev.ferry.protocols.oci.RepositoryName;
import dev.ferry.protocols.oci.Tag;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution API under {@code /v2/}:
 * <pre>
 *   GET|HEAD   /v2/                                  200 {} (401 with the challenge when push is possible and the caller is anonymous)
 *   GET        /v2/token?service=ferry&amp;scope=...     ferry's token endpoint (Basic, or anonymous)
 *   GET|HEAD   /v2/_catalog?n=&amp;last=                 every repository, mirrored ones as REGISTRY/NAME
 *   GET|HEAD   /v2/NAME/manifests/REF               \
 *   GET|HEAD   /v2/NAME/blobs/DIGEST                  |  read: mirrored and hosted
 *   GET|HEAD   /v2/NAME/tags/list?n=&amp;last=           |
 *   GET|HEAD   /v2/NAME/referrers/DIGEST?artifactType=/
 *   PUT|DELETE /v2/NAME/manifests/REF               \
 *   DELETE     /v2/NAME/blobs/DIGEST                  |  write: hosted only (405 UNSUPPORTED on a mirror)
 *   POST       /v2/NAME/blobs/uploads/[?digest=|?mount=&amp;from=]
 *   GET|PATCH|PUT|DELETE /v2/NAME/blobs/uploads/UUID /
 * </pre>
 * Every part of the request is validated before anything else happens (the name, reference, digest, query
 * parameters, Range header and body size); bad input is answered with the spec's JSON error and never reaches a
 * store or an upstream. Then {@link RegistryRouter} picks the target, {@link RegistryAuth} guards the hosted
 * ones, and {@link OciAnswerResponder} writes the answer.
 */
final class OciHandler {
    static final String PREFIX = "/v2/";
    static final Header API_VERSION =
            HeaderValues.createCached(HeaderNames.create("Docker-Distribution-API-Version"), "registry/2.0");
    private static final HeaderName FORWARDED_PROTO = HeaderNames.create("X-Forwarded-Proto");
    /** The name is greedy, so the last API suffix in the path wins (a name component may be "manifests"). */
    private static final Pattern API_PATH = Pattern.compile(
            "/v2/(.+)/(?:manifests/([^/]*)|blobs/uploads/?([^/]*)|blobs/([^/]*)|(tags)/list|referrers/([^/]*))");
    private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_=-]{1,128}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-\\[\\]:]{1,255}");
    /** Largest n a tags or catalog page may ask for. */
    static final int MAX_PAGE = 10_000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private enum Kind { MANIFEST, BLOB, UPLOAD, TAGS, REFERRERS }

    private final RegistryRouter router;
    private final RegistryAuth auth;
    private final long maxUploadSize;
    private final HostedInStore stored;

    /** @param stored the hosted repositories the store holds, to explain failed pulls of unhosted ones; or null */
    OciHandler(RegistryRouter router, RegistryAuth auth, long maxUploadSize, HostedInStore stored) {
        this.router = router;
        this.auth = auth;
        this.maxUploadSize = maxUploadSize;
        this.stored = stored;
    }

    void handle(Exchange x) {
        x.res.header(API_VERSION);
        String path = x.rawPath;
        switch (path) {
            case "/v2", "/v2/" -> base(x);
            case "/v2/_catalog" -> catalog(x);
            case "/v2/token" -> token(x);
            default -> api(x);
        }
    }

    private void base(Exchange x) {
        x.endpoint = Endpoint.OCI_BASE;
        if (!readMethod(x, "GET, HEAD")) {
            return;
        }
        // containers/image and Docker learn from /v2/ whether (and how) to authenticate, and send credentials
        // later only when this answer challenged them: with push possible, anonymous callers are challenged, and
        // the token endpoint hands them an anonymous token (mirrored pulls go on without one).
        Caller caller = identify(x);
        if (caller instanceof Caller.Invalid || (router.hasHosted() && auth.hasUsers() && caller instanceof Caller.Anonymous)) {
            challenge(x, null, Action.PULL, caller instanceof Caller.Invalid i ? i.why() : "authentication required");
            return;
        }
        x.res.status(Status.OK_200);
        x.sendBytes("{}".getBytes(StandardCharsets.UTF_8), OciAnswerResponder.JSON);
    }

    private void token(Exchange x) {
        x.endpoint = Endpoint.OCI_TOKEN;
        x.res.header(Exchange.NO_STORE);
        if (!readMethod(x, "GET")) {
            return;
        }
        Map<String, List<String>> query = query(x);
        Caller caller = identify(x);
        RegistryAuth.Grant grant = auth.issue(caller, query.getOrDefault("scope", List.of()));
        if (grant == null) {
            x.res.header(HeaderNames.WWW_AUTHENTICATE, "Basic realm=\"ferry\"");
            OciAnswerResponder.error(x, OciErrorCode.UNAUTHORIZED, "wrong user name or password");
            return;
        }
        ObjectNode body = MAPPER.createObjectNode();
        body.put("token", grant.token());
        body.put("access_token", grant.token());
        body.put("expires_in", grant.expiresIn().toSeconds());
        body.put("issued_at", grant.issuedAt().toString());
        OciAnswerResponder.sendJson(x, Status.OK_200, body);
    }

    private void catalog(Exchange x) {
        x.endpoint = Endpoint.OCI_CATALOG;
        if (!readMethod(x, "GET, HEAD")) {
            return;
        }
        Map<String, List<String>> query = query(x);
        int n;
        String last;
        try {
            n = pageSize(query);
            last = one(query, "last");
        } catch (OciFormatException e) {
            OciAnswerResponder.error(x, e.code(), e.getMessage());
            return;
        }
        Caller caller = identify(x);
        boolean withHosted = auth.anonymousPull() || caller instanceof Caller.User || caller instanceof Caller.WithToken;
        List<String> all = router.catalog(withHosted);
        List<String> page = new ArrayList<>();
        String nextLast = null;
        for (String repo : all) {
            if (last != null && repo.compareTo(last) <= 0) {
                continue;
            }
            if (n >= 0 && page.size() == n) {
                nextLast = page.isEmpty() ? null : page.getLast();
                break;
            }
            page.add(repo);
        }
        OciAnswerResponder.catalog(x, page, nextLast, n);
    }

    /** A parsed and validated {@code /v2/NAME/...} request. */
    private record Api(Kind kind, RepositoryName name, Reference reference, Digest digest, String uuid) {}

    private void api(Exchange x) {
        Api api;
        Map<String, List<String>> query;
        try {
            api = parse(x.rawPath);
            x.endpoint = switch (api.kind()) {
                case MANIFEST -> Endpoint.OCI_MANIFEST;
                case BLOB -> Endpoint.OCI_BLOB;
                case UPLOAD -> Endpoint.OCI_UPLOAD;
                case TAGS -> Endpoint.OCI_TAGS;
                case REFERRERS -> Endpoint.OCI_REFERRERS;
            };
            query = query(x);
        } catch (OciFormatException e) {
            if (e.code() == OciErrorCode.TAG_INVALID && (x.head || Method.GET.equals(x.req.prologue().method()))) {
                // No manifest can exist under a reference outside the grammar: to a reader that is "unknown"
                // (the conformance suite insists on 404); a push to it stays 400 TAG_INVALID.
                OciAnswerResponder.error(x, OciErrorCode.MANIFEST_UNKNOWN, e.getMessage());
                return;
            }
            OciAnswerResponder.error(x, e.code(), e.getMessage());
            return;
        }
        Method method = x.req.prologue().method();
        String allowed = switch (api.kind()) {
            case MANIFEST -> "GET, HEAD, PUT, DELETE";
            case BLOB -> "GET, HEAD, DELETE";
            case UPLOAD -> api.uuid() == null ? "POST" : "GET, PATCH, PUT, DELETE";
            case TAGS, REFERRERS -> "GET, HEAD";
        };
        String m = x.head ? "HEAD" : method.text();
        if (!List.of(allowed.split(", ")).contains(m)) {
            x.res.header(HeaderNames.ALLOW, allowed);
            OciAnswerResponder.error(x, OciErrorCode.UNSUPPORTED, "method " + method.text() + " is not allowed here; use "
                    + allowed);
            return;
        }
        boolean write = !(m.equals("GET") || m.equals("HEAD"));
        // The route is pure computation (no store, no upstream): a write to a mirror is refused as such before
        // its body is looked at.
        RegistryRouter.Route route = router.resolve(api.name(), one(query, "ns"));
        if (route instanceof RegistryRouter.Route.Refused r) {
            OciAnswer refused = notHostedHere(new OciAnswer.Error(r.code(), r.message()), api.name());
            OciAnswerResponder.error(x, ((OciAnswer.Error) refused).code(), ((OciAnswer.Error) refused).message());
            return;
        }
        if (route instanceof RegistryRouter.Route.Mirrored mr && (write || api.kind() == Kind.UPLOAD)) {
            OciAnswerResponder.error(x, OciErrorCode.UNSUPPORTED, api.name() + " is mirrored from " + mr.registry()
                    + " and read-only; " + router.whereToPush());
            return;
        }
        // Everything else the request says is checked before a target is asked.
        Checked checked;
        try {
            checked = check(x, api, query, m);
        } catch (OciFormatException e) {
            if (e.code() == OciErrorCode.RANGE_INVALID) {
                x.res.header(HeaderNames.CONTENT_RANGE, "bytes */*");
            }
            OciAnswerResponder.error(x, e.code(), e.getMessage());
            return;
        } catch (TooLarge e) {
            OciAnswerResponder.error(x, OciErrorCode.SIZE_TOO_LARGE, e.getMessage());
            return;
        }
        switch (route) {
            case RegistryRouter.Route.Mirrored mr -> OciAnswerResponder.respond(x,
                    notHostedHere(read(mr.target(), mr.name(), api, checked), api.name()), api.name().value(), checked.n());
            case RegistryRouter.Route.Hosted h -> hosted(x, h.target(), api, checked, m);
            case RegistryRouter.Route.Refused r -> throw new IllegalStateException("answered above");
        }
    }

    /**
     * A pull that found nothing, of a name the store holds as a hosted repository this ferry does not host (it came
     * in a bundle from a site that hosts it): says so and which flag serves it, rather than blaming the mirror.
     */
    private OciAnswer notHostedHere(OciAnswer answer, RepositoryName name) {
        if (stored == null || !(answer instanceof OciAnswer.Error e) || !(e.code() == OciErrorCode.NAME_UNKNOWN
                || e.code() == OciErrorCode.MANIFEST_UNKNOWN || e.code() == OciErrorCode.BLOB_UNKNOWN)) {
            return answer;
        }
        return stored.find(name).<OciAnswer>map(h -> new OciAnswer.Error(OciErrorCode.NAME_UNKNOWN, "repository "
                + name + " came in " + (h.bundles().isEmpty() ? "a bundle" : (h.bundles().size() == 1 ? "bundle "
                : "bundles ") + String.join(", ", h.bundles())) + " as a hosted repository, which this ferry does not"
                + " host; serve it with --hosted " + name.first() + " (it was looked for as a mirrored repository: "
                + e.message() + ")")).orElse(answer);
    }

    private void hosted(Exchange x, HostedRepositories target, Api api, Checked c, String method) {
        Action action = switch (method) {
            case "GET", "HEAD" -> Action.PULL;
            case "DELETE" -> api.kind() == Kind.UPLOAD ? Action.PUSH : Action.DELETE;
            default -> Action.PUSH;
        };
        Caller caller = identify(x);
        String name = api.name().value();
        if (!auth.allows(caller, name, action)) {
            // A mount also reads the repository it mounts from: the token the client fetches must say so, as
            // distribution's challenge does, or the mount quietly becomes a full upload.
            String alsoPull = c.mount() != null && c.from() != null ? c.from().value() : null;
            challenge(x, name, action, alsoPull, caller instanceof Caller.Invalid i ? i.why() : "authentication required");
            return;
        }
        OciAnswer answer;
        if (method.equals("GET") || method.equals("HEAD")) {
            answer = api.kind() == Kind.UPLOAD ? target.uploadStatus(api.name(), api.uuid())
                    : read(target, api.name(), api, c);
        } else {
            if (api.kind() == Kind.MANIFEST && method.equals("PUT")) {
                byte[] manifest;
                try {
                    manifest = readManifest(x);
                } catch (TooLarge e) {
                    OciAnswerResponder.error(x, OciErrorCode.SIZE_TOO_LARGE, e.getMessage());
                    return;
                }
                answer = target.putManifest(api.name(), api.reference(), c.contentType(),
                        new ByteArrayInputStream(manifest), manifest.length);
                OciAnswerResponder.respond(x, answer, name, c.n());
                return;
            }
            answer = switch (api.kind()) {
                case MANIFEST -> target.deleteManifest(api.name(), api.reference());
                case BLOB -> target.deleteBlob(api.name(), api.digest());
                case UPLOAD -> upload(x, target, api, c, method, caller);
                case TAGS, REFERRERS -> throw new IllegalStateException("read-only endpoint " + api.kind());
            };
        }
        OciAnswerResponder.respond(x, answer, name, c.n());
    }

    private OciAnswer upload(Exchange x, HostedRepositories target, Api api, Checked c, String method, Caller caller) {
        return switch (method) {
            case "POST" -> {
                if (c.mount() != null) {
                    RegistryRouter.Route from = c.from() == null ? null : router.resolve(c.from(), null);
                    if (from instanceof RegistryRouter.Route.Hosted
                            && auth.allows(caller, c.from().value(), Action.PULL)) {
                        yield target.mount(api.name(), c.mount(), c.from());
                    }
                    // Not mountable from here: the spec's answer is a new upload session.
                    yield target.startUpload(api.name(), null, InputStream.nullInputStream(), 0);
                }
                yield target.startUpload(api.name(), c.digest(), c.body(), c.length());
            }
            case "PATCH" -> target.appendChunk(api.name(), api.uuid(), c.contentRange(), c.body(), c.length());
            case "PUT" -> target.finishUpload(api.name(), api.uuid(), c.digest(), c.body(), c.length());
            case "DELETE" -> target.cancelUpload(api.name(), api.uuid());
            default -> throw new IllegalStateException(method);
        };
    }

    private static OciAnswer read(OciRepositories target, RepositoryName name, Api api, Checked c) {
        return switch (api.kind()) {
            case MANIFEST -> target.manifest(name, api.reference(), c.head());
            case BLOB -> target.blob(name, api.digest(), c.head(), c.range());
            case TAGS -> target.tags(name, c.n(), c.last());
            case REFERRERS -> target.referrers(name, api.digest(), c.artifactType());
            case UPLOAD -> throw new IllegalStateException("uploads are hosted only");
        };
    }

    /** Parses {@code /v2/NAME/(manifests/REF|blobs/DIGEST|blobs/uploads/[UUID]|tags/list|referrers/DIGEST)}. */
    static Api parse(String rawPath) {
        Matcher m = API_PATH.matcher(rawPath);
        if (!m.matches()) {
            throw new OciFormatException(OciErrorCode.NAME_UNKNOWN, "not a registry API path: expected /v2/NAME/"
                    + "manifests/REFERENCE, blobs/DIGEST, blobs/uploads/, tags/list or referrers/DIGEST");
        }
        RepositoryName name = RepositoryName.parse(m.group(1));
        if (m.group(2) != null) {
            return new Api(Kind.MANIFEST, name, Reference.parse(m.group(2)), null, null);
        }
        if (m.group(3) != null) {
            String uuid = m.group(3).isEmpty() ? null : m.group(3);
            if (uuid != null && !UPLOAD_ID.matcher(uuid).matches()) {
                throw new OciFormatException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, "no upload session with that id");
            }
            return new Api(Kind.UPLOAD, name, null, null, uuid);
        }
        if (m.group(4) != null) {
            return new Api(Kind.BLOB, name, null, Digest.parse(m.group(4)), null);
        }
        if (m.group(5) != null) {
            return new Api(Kind.TAGS, name, null, null, null);
        }
        return new Api(Kind.REFERRERS, name, null, Digest.parse(m.group(6)), null);
    }

    /** What the rest of the request says, checked. */
    private record Checked(boolean head, int n, String last, String range, String artifactType, Digest digest,
                           Digest mount, RepositoryName from, String contentType, String contentRange,
                           InputStream body, long length) {}

    private static final class TooLarge extends Exception {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    private Checked check(Exchange x, Api api, Map<String, List<String>> query, String method) throws TooLarge {
        int n = -1;
        String last = null;
        String range = null;
        String artifactType = null;
        Digest digest = api.digest();
        Digest mount = null;
        RepositoryName from = null;
        String contentType = null;
        String contentRange = null;
        InputStream body = InputStream.nullInputStream();
        long length = 0;
        switch (api.kind()) {
            case TAGS -> {
                n = pageSize(query);
                last = one(query, "last");
                if (last != null) {
                    Tag.parse(last);
                }
            }
            case REFERRERS -> artifactType = one(query, "artifactType");
            case BLOB -> {
                range = x.req.headers().first(HeaderNames.RANGE).orElse(null);
                if (range != null && method.equals("GET")) {
                    // The syntax is checked here; whether it fits the blob is the target's to say (416).
                    ByteRange.parseRange(range, Long.MAX_VALUE);
                } else {
                    range = null;
                }
            }
            case MANIFEST -> {
                if (method.equals("PUT")) {
                    contentType = x.req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
                    if (contentType == null || contentType.isBlank()) {
                        throw new OciFormatException(OciErrorCode.MANIFEST_INVALID,
                                "a manifest PUT needs a Content-Type naming the manifest's media type");
                    }
                    long declared = declaredLength(x);
                    if (declared > Manifest.MAX_SIZE) {
                        throw new TooLarge("manifest of " + declared + " bytes is over the " + Manifest.MAX_SIZE + "-byte limit");
                    }
                    // the body itself is read only once the caller may push (see hosted)
                }
            }
            case UPLOAD -> {
                String d = one(query, "digest");
                if (d != null) {
                    digest = Digest.parse(d);
                }
                if (method.equals("POST")) {
                    String mountText = one(query, "mount");
                    if (mountText != null) {
                        mount = Digest.parse(mountText);
                        String fromText = one(query, "from");
                        if (fromText != null) {
                            from = RepositoryName.parse(fromText);
                        }
                    }
                }
                if (method.equals("PUT") && digest == null) {
                    throw new OciFormatException(OciErrorCode.DIGEST_INVALID, "finishing an upload needs ?digest=");
                }
                if (method.equals("PATCH")) {
                    contentRange = x.req.headers().first(HeaderNames.CONTENT_RANGE).orElse(null);
                    if (contentRange != null) {
                        ByteRange.parseContentRange(contentRange);
                    }
                }
                if (method.equals("POST") || method.equals("PATCH") || method.equals("PUT")) {
                    length = declaredLength(x);
                    if (length > maxUploadSize) {
                        throw new TooLarge("upload of " + length + " bytes is over this registry's limit of "
                                + maxUploadSize + " bytes");
                    }
                    body = hasBody(x) ? x.req.content().inputStream() : InputStream.nullInputStream();
                    if (!hasBody(x)) {
                        length = 0;
                    }
                }
            }
        }
        return new Checked(x.head, n, last, range, artifactType, digest, mount, from, contentType, contentRange,
                body, length);
    }

    /** Content-Length, or -1 when the body is chunked or absent. */
    private static long declaredLength(Exchange x) {
        return x.req.headers().contentLength().orElse(-1L);
    }

    private static boolean hasBody(Exchange x) {
        return x.req.content().hasEntity();
    }

    /** Reads a manifest body of at most {@link Manifest#MAX_SIZE} bytes; one byte more is refused. */
    private static byte[] readManifest(Exchange x) throws TooLarge {
        if (!hasBody(x)) {
            return new byte[0];
        }
        try (InputStream in = x.req.content().inputStream()) {
            byte[] bytes = in.readNBytes(Manifest.MAX_SIZE + 1);
            if (bytes.length > Manifest.MAX_SIZE) {
                throw new TooLarge("manifest is over the " + Manifest.MAX_SIZE + "-byte limit");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the manifest body failed", e);
        }
    }

    /** {@code n}: absent means every entry; else 0..{@link #MAX_PAGE}. */
    private static int pageSize(Map<String, List<String>> query) {
        String text = one(query, "n");
        if (text == null) {
            return -1;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 0 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal
        }
        throw new OciFormatException(OciErrorCode.PAGINATION_NUMBER_INVALID,
                "n must be a whole number from 0 to " + MAX_PAGE);
    }

    private static String one(Map<String, List<String>> query, String key) {
        List<String> v = query.get(key);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /** The query string, decoded; a malformed escape is a 400. */
    private static Map<String, List<String>> query(Exchange x) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (!x.req.prologue().hasQuery()) {
            return out;
        }
        String raw = x.req.prologue().query().rawValue();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException e) {
                throw new OciFormatException(OciErrorCode.NAME_INVALID, "malformed query string");
            }
        }
        return out;
    }

    private Caller identify(Exchange x) {
        return auth.identify(x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
    }

    /** 401 with the Bearer challenge that sends the client to ferry's token endpoint. */
    private void challenge(Exchange x, String repository, Action action, String why) {
        challenge(x, repository, action, null, why);
    }

    /** {@code alsoPull}: a second repository the request reads (a mount's source), or null. */
    private void challenge(Exchange x, String repository, Action action, String alsoPull, String why) {
        String realm = scheme(x) + "://" + host(x) + "/v2/token";
        StringBuilder value = new StringBuilder("Bearer realm=\"").append(realm).append("\",service=\"ferry\"");
        if (repository != null) {
            value.append(",scope=\"repository:").append(repository).append(':')
                    .append(action == Action.PULL ? "pull" : action == Action.DELETE ? "delete" : "pull,push");
            if (alsoPull != null && !alsoPull.equals(repository)) {
                value.append(" repository:").append(alsoPull).append(":pull");
            }
            value.append('"');
        }
        x.res.header(HeaderNames.WWW_AUTHENTICATE, value.toString());
        OciAnswerResponder.error(x, OciErrorCode.UNAUTHORIZED, why);
    }

    private static String scheme(Exchange x) {
        String proto = x.req.headers().first(FORWARDED_PROTO).orElse("");
        return proto.equalsIgnoreCase("https") ? "https" : "http";
    }

    /** The Host the client used, when it is a plain host[:port]; else the address the request came in on. */
    private static String host(Exchange x) {
        String host = x.req.headers().first(HeaderNames.HOST).orElse("");
        if (HOST.matcher(host).matches()) {
            return host;
        }
        return x.req.localPeer().host() + ":" + x.req.localPeer().port();
    }

    private static boolean readMethod(Exchange x, String allowed) {
        String m = x.head ? "HEAD" : x.method();
        if (List.of(allowed.split(", ")).contains(m)) {
            return true;
        }
        x.res.header(HeaderNames.ALLOW, allowed);
        OciAnswerResponder.error(x, OciErrorCode.UNSUPPORTED, "method " + m + " is not allowed here; use " + allowed);
        return false;
    }
}
