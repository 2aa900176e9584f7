package dev.ferry.server.http;

import dev.ferry.mirror.oci.OciAnswer;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.protocols.oci.OciFormatException;
import dev.ferry.protocols.oci.RegistryQuery;
import dev.ferry.protocols.oci.RegistryRequest;
import dev.ferry.server.hosted.HostedInStore;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import dev.ferry.server.registryauth.ProtectedContent;
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryAuth.Action;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The OCI distribution API under {@code /v2/}, its routes in one place (handled here unless a handler is named):
 * <pre>
 *   GET|HEAD   /v2/                              200 {} (401 with the challenge when push is possible and the
 *                                                caller is anonymous)
 *   GET        /v2/token?service=ferry&amp;scope=... ferry's token endpoint (Basic, or anonymous)   TokenHandler
 *   GET|HEAD   /v2/_catalog?n=&amp;last=             every repository, mirrored ones as REGISTRY/NAME  CatalogHandler
 *   GET|HEAD   /v2/NAME/manifests/REF           \                                           ManifestHandler
 *   GET|HEAD   /v2/NAME/blobs/DIGEST              |  read: mirrored and hosted                BlobHandler
 *   GET|HEAD   /v2/NAME/tags/list?n=&amp;last=       |                                           TagsHandler
 *   GET|HEAD   /v2/NAME/referrers/DIGEST?artifactType=/                                     ReferrersHandler
 *   PUT|DELETE /v2/NAME/manifests/REF           \                                           ManifestHandler
 *   DELETE     /v2/NAME/blobs/DIGEST              |  write: hosted only                       BlobHandler
 *   POST       /v2/NAME/blobs/uploads/[?digest=|?mount=&amp;from=]  (405 UNSUPPORTED on a mirror) BlobUploadHandler
 *   GET|PATCH|PUT|DELETE /v2/NAME/blobs/uploads/UUID /                                     BlobUploadHandler
 * </pre>
 * Every part of the request is validated before anything else happens: the path by {@link RegistryRequest}, the
 * method against the resource's, then {@link RegistryRouter} picks the target (a write to a mirror is refused
 * here), and the resource's handler checks the rest (query parameters, Range header, body size) before it asks
 * the target. Bad input is answered with the spec's JSON error and never reaches a store or an upstream.
 * {@link RegistryGate} guards the hosted repositories, and {@link OciAnswerResponder} writes every answer.
 */
final class OciHandler {
    static final String PREFIX = "/v2/";
    /** Ferry's token endpoint: not part of the distribution API, so routed before its grammar. */
    static final String TOKEN = "/v2/token";

    static final Header API_VERSION =
            HeaderValues.createCached(HeaderNames.create("Docker-Distribution-API-Version"), "registry/2.0");

    private final RegistryRouter router;
    private final RegistryGate gate;
    private final NotHostedHere notHostedHere;
    private final TokenHandler token;
    private final CatalogHandler catalog;
    private final ManifestHandler manifests;
    private final BlobHandler blobs = new BlobHandler();
    private final BlobUploadHandler uploads;
    private final TagsHandler tags = new TagsHandler();
    private final ReferrersHandler referrers = new ReferrersHandler();
    private final ProtectedContent protect;

    /** @param stored the hosted repositories the store holds, to explain failed pulls of unhosted ones; or null */
    OciHandler(RegistryRouter router, RegistryAuth auth, long maxUploadSize, HostedInStore stored) {
        this(router, auth, maxUploadSize, stored, ProtectedContent.NONE);
    }

    /** @param protect what only callers with the pull role may read */
    OciHandler(
            RegistryRouter router,
            RegistryAuth auth,
            long maxUploadSize,
            HostedInStore stored,
            ProtectedContent protect) {
        this(router, auth, maxUploadSize, stored, protect, null);
    }

    /** @param audit where hosted pushes and deletes of manifests are written (who, what, which digest); null: nowhere */
    OciHandler(
            RegistryRouter router,
            RegistryAuth auth,
            long maxUploadSize,
            HostedInStore stored,
            ProtectedContent protect,
            dev.ferry.server.admin.AuditLog audit) {
        this.manifests = new ManifestHandler(audit);
        this.protect = protect;
        this.router = router;
        this.gate = new RegistryGate(auth);
        this.notHostedHere = new NotHostedHere(stored);
        this.token = new TokenHandler(gate);
        this.catalog = new CatalogHandler(router, gate, protect);
        this.uploads = new BlobUploadHandler(router, gate, maxUploadSize);
    }

    void handle(Exchange x) {
        x.res.header(API_VERSION);
        if (x.rawPath.equals(TOKEN)) {
            token(x);
            return;
        }
        RegistryRequest request;
        try {
            request = RegistryRequest.parse(x.rawPath);
        } catch (OciFormatException e) {
            unparsed(x, e);
            return;
        }
        switch (request) {
            case RegistryRequest.Base b -> base(x, b);
            case RegistryRequest.Catalog c -> catalog(x, c);
            case RegistryRequest.InRepository r -> repository(x, r);
        }
    }

    private void base(Exchange x, RegistryRequest.Base base) {
        x.endpoint = Endpoint.OCI_BASE;
        if (!methodAllowed(x, base.allow())) {
            return;
        }
        // containers/image and Docker learn from /v2/ whether (and how) to authenticate, and send credentials
        // later only when this answer challenged them: with push possible, anonymous callers are challenged, and
        // the token endpoint hands them an anonymous token (mirrored pulls go on without one).
        Caller caller = gate.identify(x);
        if (caller instanceof Caller.Invalid
                || (((router.hasHosted() && gate.auth().hasUsers()) || protect.anyImage())
                        && caller instanceof Caller.Anonymous)) {
            gate.challenge(x, null, Action.PULL, null, caller);
            return;
        }
        x.res.status(Status.OK_200);
        x.sendBytes("{}".getBytes(StandardCharsets.UTF_8), OciAnswerResponder.JSON);
    }

    private void token(Exchange x) {
        x.endpoint = Endpoint.OCI_TOKEN;
        x.res.header(Exchange.NO_STORE);
        if (!methodAllowed(x, "GET")) {
            return;
        }
        RegistryQuery query;
        try {
            query = query(x);
        } catch (OciFormatException e) {
            OciAnswerResponder.error(x, e.code(), e.getMessage());
            return;
        }
        token.handle(x, query);
    }

    private void catalog(Exchange x, RegistryRequest.Catalog request) {
        x.endpoint = Endpoint.OCI_CATALOG;
        if (!methodAllowed(x, request.allow())) {
            return;
        }
        RegistryRequest.Page page;
        try {
            page = request.page(query(x));
        } catch (OciFormatException e) {
            OciAnswerResponder.error(x, e.code(), e.getMessage());
            return;
        }
        catalog.handle(x, page);
    }

    private void repository(Exchange x, RegistryRequest.InRepository request) {
        x.endpoint = switch (request) {
            case RegistryRequest.Manifest m -> Endpoint.OCI_MANIFEST;
            case RegistryRequest.Blob b -> Endpoint.OCI_BLOB;
            case RegistryRequest.BlobUpload u -> Endpoint.OCI_UPLOAD;
            case RegistryRequest.Tags t -> Endpoint.OCI_TAGS;
            case RegistryRequest.Referrers r -> Endpoint.OCI_REFERRERS;
        };
        RegistryQuery query;
        try {
            query = query(x);
        } catch (OciFormatException e) {
            OciAnswerResponder.error(x, e.code(), e.getMessage());
            return;
        }
        if (!methodAllowed(x, request.allow())) {
            return;
        }
        String method = x.head ? "HEAD" : x.method();
        // The route is pure computation (no store, no upstream): a write to a mirror is refused as such before
        // its body is looked at.
        RegistryRouter.Route route = router.resolve(request.name(), query.namespace());
        if (refusedRoute(x, request, route, method)) {
            return;
        }
        if (!mayRead(x, request, route, method)) {
            return;
        }
        RepositoryCall call = new RepositoryCall(x, method, query, request.name(), route, gate, notHostedHere);
        try {
            switch (request) {
                case RegistryRequest.Manifest m -> manifests.handle(call, m);
                case RegistryRequest.Blob b -> blobs.handle(call, b);
                case RegistryRequest.BlobUpload u -> uploads.handle(call, u);
                case RegistryRequest.Tags t -> tags.handle(call, t);
                case RegistryRequest.Referrers r -> referrers.handle(call, r);
            }
        } catch (RefusedRequest e) {
            if (e.code() == OciErrorCode.RANGE_INVALID) {
                x.res.header(HeaderNames.CONTENT_RANGE, "bytes */*");
            }
            OciAnswerResponder.error(x, e.code(), e.getMessage());
        }
    }

    /**
     * Pull access control (docs/access.md): a read of a protected repository needs a user with the pull role, or a
     * token issued to one; else 401 with the challenge (403 for a user without the role). Writes to hosted
     * repositories are the hosted registry's to check.
     */
    private boolean mayRead(
            Exchange x, RegistryRequest.InRepository request, RegistryRouter.Route route, String method) {
        if (!(method.equals("GET") || method.equals("HEAD")) || request instanceof RegistryRequest.BlobUpload) {
            return true;
        }
        String protectedName = switch (route) {
            case RegistryRouter.Route.Mirrored mr -> mr.registry() + "/" + mr.name();
            case RegistryRouter.Route.Hosted h -> h.name().value();
            case RegistryRouter.Route.Refused r -> null;
        };
        if (protectedName == null || !protect.image(protectedName)) {
            return true;
        }
        Caller caller = gate.identify(x);
        if (gate.auth().allowsProtectedPull(caller, request.name().value())) {
            return true;
        }
        if (caller instanceof Caller.User u) {
            OciAnswerResponder.error(
                    x, OciErrorCode.DENIED, "user " + u.name() + " lacks the pull role for " + request.name());
            return false;
        }
        gate.challenge(x, request.name(), Action.PULL, null, caller);
        return false;
    }

    /** A path outside the grammar. */
    private static void unparsed(Exchange x, OciFormatException e) {
        if (e.code() == OciErrorCode.TAG_INVALID
                && (x.head || Method.GET.equals(x.req.prologue().method()))) {
            // No manifest can exist under a reference outside the grammar: to a reader that is "unknown" (the
            // conformance suite insists on 404); a push to it stays 400 TAG_INVALID.
            OciAnswerResponder.error(x, OciErrorCode.MANIFEST_UNKNOWN, e.getMessage());
            return;
        }
        OciAnswerResponder.error(x, e.code(), e.getMessage());
    }

    /** Answers (and returns true) a name nothing serves, and a write or upload to a mirrored repository. */
    private boolean refusedRoute(
            Exchange x, RegistryRequest.InRepository request, RegistryRouter.Route route, String method) {
        if (route instanceof RegistryRouter.Route.Refused r) {
            OciAnswer.Error refused =
                    (OciAnswer.Error) notHostedHere.explain(new OciAnswer.Error(r.code(), r.message()), request.name());
            OciAnswerResponder.error(x, refused.code(), refused.message());
            return true;
        }
        boolean write = !(method.equals("GET") || method.equals("HEAD"));
        if (route instanceof RegistryRouter.Route.Mirrored mr
                && (write || request instanceof RegistryRequest.BlobUpload)) {
            OciAnswerResponder.error(
                    x,
                    OciErrorCode.UNSUPPORTED,
                    request.name() + " is mirrored from " + mr.registry() + " and read-only; " + router.whereToPush());
            return true;
        }
        return false;
    }

    /** The query string, decoded; a malformed escape is a 400. */
    private static RegistryQuery query(Exchange x) {
        return RegistryQuery.parse(
                x.req.prologue().hasQuery() ? x.req.prologue().query().rawValue() : null);
    }

    /** Whether the resource has the request's method; else answers 405 UNSUPPORTED with {@code Allow}. */
    private static boolean methodAllowed(Exchange x, String allowed) {
        String m = x.head ? "HEAD" : x.method();
        if (List.of(allowed.split(", ")).contains(m)) {
            return true;
        }
        x.res.header(HeaderNames.ALLOW, allowed);
        OciAnswerResponder.error(x, OciErrorCode.UNSUPPORTED, "method " + m + " is not allowed here; use " + allowed);
        return false;
    }
}
