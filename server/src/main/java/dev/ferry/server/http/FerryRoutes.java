package dev.ferry.server.http;

import dev.ferry.mirror.go.GoModuleMirror;
import dev.ferry.mirror.sumdb.SumdbMirror;
import dev.ferry.protocols.goproxy.ProxyRequest;
import dev.ferry.protocols.oci.OciErrorCode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.Callers;
import dev.ferry.server.admin.Console;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.config.TrustedProxies;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import dev.ferry.server.tls.ClientCertificateGate;
import dev.ferry.upstreams.cluster.OwnerFetch;
import dev.ferry.upstreams.pool.MissCharge;
import dev.ferry.upstreams.pool.UpstreamPool;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every HTTP route ferry serves, in one place:
 * <pre>
 *   GET|HEAD /health, /health/ready       200 "ok" when ready (store open, not stopping), else 503
 *   GET|HEAD /health/live                 200 "ok" whenever the process answers (a liveness probe)
 *   GET|HEAD /metrics                     Prometheus text format 0.0.4
 *   /admin/api/...                        the admin API, routed by path pattern (AdminRoutes; docs/admin-api.md);
 *                                         every /admin/api/ path needs the admin token (AdminHandler)
 *   GET|HEAD /$module/@v/list             \
 *   GET|HEAD /$module/@latest              |  the GOPROXY protocol, answered by the GoModuleMirror
 *   GET|HEAD /$module/@v/$version.info     |
 *   GET|HEAD /$module/@v/$version.mod      |
 *   GET|HEAD /$module/@v/$version.zip     /
 *   GET|HEAD /sumdb/$db/supported         \
 *   GET|HEAD /sumdb/$db/latest             |  the checksum databases ferry verifies against, for clients with
 *   GET|HEAD /sumdb/$db/lookup/$m@$v       |  GOSUMDB on (404 for any other database)
 *   GET|HEAD /sumdb/$db/tile/8/$L/$N[.p/$W]/
 *   /v2/...                               the OCI distribution API (OciHandler; its own methods, JSON errors)
 *   /ui/...                               the web console (UiHandler; docs/ui.md); GET / from a browser: 303 to it
 *   any other method                      405, Allow: GET, HEAD
 * </pre>
 * Every request is timed, counted in the metrics and written to the access log when its response completes.
 */
public final class FerryRoutes {
    private static final Logger LOG = Logger.getLogger("ferry.http");
    private static final Header ALLOW = HeaderValues.createCached(HeaderNames.ALLOW, "GET, HEAD");
    private static final Header METRICS_TYPE =
            HeaderValues.createCached(HeaderNames.CONTENT_TYPE, FerryMetrics.CONTENT_TYPE);

    private final GoProxyHandler goproxy;
    private final SumdbHandler sumdb;
    private PeerAnswers peers;
    private final FerryMetrics metrics;
    private final BooleanSupplier ready;
    private final AdminHandler admin;
    private final OciHandler oci;
    private ClientCertificateGate clientCertificates;
    private final MissLimiter limiter;
    private UiHandler ui;
    /** Set once before the server starts ({@link FerryHttpServer}). */
    private volatile PublicAddress publicAddress = PublicAddress.listenAddressOnly();

    private volatile TrustedProxies trustedProxies = TrustedProxies.NONE;

    public FerryRoutes(GoModuleMirror mirror, FerryMetrics metrics, BooleanSupplier ready) {
        this(mirror, List.of(), metrics, ready, ProxyRequest::parse, null);
    }

    public FerryRoutes(
            GoModuleMirror mirror, List<SumdbMirror> databases, FerryMetrics metrics, BooleanSupplier ready) {
        this(mirror, databases, metrics, ready, ProxyRequest::parse, null);
    }

    /** With the admin API: {@code pools} by the name /admin/api/upstreams shows them under. */
    public FerryRoutes(
            GoModuleMirror mirror,
            FerryMetrics metrics,
            BooleanSupplier ready,
            AdminAuth auth,
            Map<String, UpstreamPool> pools) {
        this(mirror, List.of(), metrics, ready, auth, pools);
    }

    /** Everything: the Go mirror, the checksum databases it serves, and the admin API. */
    public FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            AdminAuth auth,
            Map<String, UpstreamPool> pools) {
        this(mirror, databases, metrics, ready, ProxyRequest::parse, new AdminHandler(auth, pools), null);
    }

    /** Everything, and the OCI registry at /v2/. */
    public FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            AdminAuth auth,
            Map<String, UpstreamPool> pools,
            OciRouting registry) {
        this(
                mirror,
                databases,
                metrics,
                ready,
                ProxyRequest::parse,
                auth == null ? null : new AdminHandler(auth, pools),
                registry.handler());
    }

    /**
     * Everything, with the whole admin API: prewarm, mirror sets, pins and storage ({@code api}), every change
     * written to {@code audit}.
     */
    public FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            AdminAuth auth,
            Map<String, UpstreamPool> pools,
            OciRouting registry,
            AdminApi api,
            AuditLog audit) {
        this(
                mirror,
                databases,
                metrics,
                ready,
                ProxyRequest::parse,
                new AdminHandler(auth, pools, api, audit),
                registry.handler());
    }

    /**
     * Everything, with pull access control ({@code access}: who may read what, docs/access.md; its users with the
     * admin or viewer role may also use the admin API and the console) and the web console under /ui/, whose
     * sessions are admin API callers too.
     */
    public FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            AdminAuth auth,
            Map<String, UpstreamPool> pools,
            OciRouting registry,
            AdminApi api,
            AuditLog audit,
            ClientAccess access,
            Console console) {
        this(
                mirror,
                databases,
                metrics,
                ready,
                ProxyRequest::parse,
                new AdminHandler(new Callers(auth, console.sessions(), access.auth()), pools, api, console, audit),
                registry.handler(access, audit),
                access);
        this.ui = new UiHandler(
                new Callers(auth, console.sessions(), access.auth()), console.sessions(), console.signIns(), audit);
    }

    FerryRoutes(GoModuleMirror mirror, FerryMetrics metrics, BooleanSupplier ready, GoProxyHandler.Parser parser) {
        this(mirror, List.of(), metrics, ready, parser, null);
    }

    FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            GoProxyHandler.Parser parser,
            AdminHandler admin) {
        this(mirror, databases, metrics, ready, parser, admin, null);
    }

    FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            GoProxyHandler.Parser parser,
            AdminHandler admin,
            OciHandler oci) {
        this(mirror, databases, metrics, ready, parser, admin, oci, null);
    }

    FerryRoutes(
            GoModuleMirror mirror,
            List<SumdbMirror> databases,
            FerryMetrics metrics,
            BooleanSupplier ready,
            GoProxyHandler.Parser parser,
            AdminHandler admin,
            OciHandler oci,
            ClientAccess access) {
        this.goproxy = new GoProxyHandler(mirror, parser, new PullGate(access));
        this.limiter = access == null ? null : access.limiter();
        this.sumdb = new SumdbHandler(databases);
        this.metrics = metrics;
        this.ready = ready;
        this.admin = admin;
        this.oci = oci;
    }

    /** Answers the cluster's peers from the store (docs/upstreams.md, Peers); before register. */
    public FerryRoutes answerPeers(PeerAnswers answers) {
        this.peers = answers;
        return this;
    }

    /**
     * Answers the cluster's peers from the store, and their owner fetches of the keys this node owns on
     * {@code owners}' ring (or on it without the nodes the asker found down) through the Go and checksum database routes (docs/cluster.md); before register.
     */
    public FerryRoutes answerPeers(PeerAnswers answers, OwnerFetch owners) {
        this.peers = owners == null
                ? answers
                : answers.fetchAsOwner(owners, x -> {
                    if (x.rawPath.startsWith(SumdbHandler.PREFIX)) {
                        sumdb.handle(x);
                    } else {
                        goproxy.handle(x);
                    }
                });
        return this;
    }

    /** Route families that refuse connections without a client certificate (null: none); before register. */
    public FerryRoutes requireClientCertificates(ClientCertificateGate gate) {
        this.clientCertificates = gate;
        return this;
    }

    /** Whose X-Forwarded-For names the client (set once before the server starts, as the public address is). */
    void trustedProxies(TrustedProxies proxies) {
        this.trustedProxies = proxies;
    }

    /** How the server names itself to clients, from the listener's settings. */
    void publicAddress(PublicAddress address) {
        this.publicAddress = address;
    }

    /** Where requests are counted; requests refused before routing ({@link PlainDirectHandler}) too. */
    FerryMetrics metrics() {
        return metrics;
    }

    /** Registers the routes on {@code routing}: the admin API's by path pattern, then all others. */
    public HttpRouting.Builder register(HttpRouting.Builder routing) {
        // A request target that is no path ("a:b", an absolute URI without one) leaves Helidon's path matchers a
        // null path, which its routing answers with 500: refused first, as the 400 it is (found by RequestFuzzTest).
        routing.addFilter((chain, req, res) -> {
            String raw = req.prologue().uriPath().rawPath();
            if (raw == null || !raw.startsWith("/")) {
                observe(req, res, x -> {
                    x.res.header(Exchange.NO_STORE);
                    x.sendText(Status.BAD_REQUEST_400, "the request target must be a path starting with /");
                });
                return;
            }
            chain.proceed();
        });
        if (admin != null) {
            routing.register(AdminPaths.ROOT, admin.routes(this::observe));
        }
        return routing.any((req, res) -> observe(req, res, this::dispatch));
    }

    /** Runs a route on a request: what every request gets around its route (metrics, access log, error handling). */
    @FunctionalInterface
    interface Observer {
        void observe(ServerRequest req, ServerResponse res, Consumer<Exchange> route);
    }

    private void observe(ServerRequest req, ServerResponse res, Consumer<Exchange> route) {
        long start = System.nanoTime();
        Exchange x = new Exchange(req, res);
        if (AccessLog.withRequestIds()) {
            x.requestId = AccessLog.requestId(req);
            res.header(AccessLog.REQUEST_ID, x.requestId);
        }
        x.publicAddress = publicAddress;
        x.client = ClientAddress.of(req, trustedProxies);
        try {
            String refusal = clientCertificates == null ? null : clientCertificates.refusal(req);
            if (req.headers().contains(HeaderNames.HOST)
                    && req.headers().get(HeaderNames.HOST).allValues().size() > 1) {
                // Two Hosts name two servers: which one was meant is not ferry's guess (RFC 9112, section 3.2).
                x.res.header(Exchange.NO_STORE);
                x.sendText(Status.BAD_REQUEST_400, "bad request: more than one Host header");
            } else if (refusal == null) {
                route.accept(x);
            } else {
                x.endpoint = endpointOf(x.rawPath);
                x.sendText(Status.FORBIDDEN_403, refusal);
            }
        } catch (CloseConnectionException e) {
            x.aborted = true;
            LOG.log(Level.WARNING, "aborted " + x.method() + " " + x.rawPath + ": " + e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            // A refused miss comes as itself, or (for a client that joined a refused refresh) as the cause.
            MissCharge.Refused refused =
                    e instanceof MissCharge.Refused r ? r : e.getCause() instanceof MissCharge.Refused r ? r : null;
            if (refused != null && !res.isSent()) {
                tooManyMisses(x, refused);
            } else {
                LOG.log(Level.SEVERE, "internal error answering " + x.method() + " " + x.rawPath, e);
                if (res.isSent()) {
                    x.aborted = true;
                    throw new CloseConnectionException("internal error after the response started", e);
                }
                res.header(Exchange.NO_STORE);
                x.sendText(Status.INTERNAL_SERVER_ERROR_500, "internal server error");
            }
        } catch (Error e) {
            // Logged here: Helidon reports what escapes a route without its request, which PlainDirectHandler
            // answers as a head it could not read.
            LOG.log(Level.SEVERE, "internal error answering " + x.method() + " " + x.rawPath, e);
            throw e;
        } finally {
            long nanos = System.nanoTime() - start;
            int status = res.status().code();
            metrics.request(x.endpoint, x.method(), status, x.cache, x.bytes, nanos);
            if (AccessLog.enabled()) {
                AccessLog.log(x, status, nanos);
            }
        }
        if (req.content().hasEntity() && !req.content().consumed()) {
            // A request refused (or not meant to have a body) before its body was read: close rather than have
            // Helidon read a body of up to the upload limit to its end.
            lingerOverUnreadBody(req);
            throw new CloseConnectionException("request body left unread");
        }
        if (closeRequested(req)) {
            // Helidon answers "Connection: close" but would keep reading: end the connection ourselves.
            throw new CloseConnectionException("client asked to close the connection");
        }
    }

    /** Most of an unread body dropped before closing, and for how long at most. */
    static final long LINGER_BYTES = 8L << 20;

    static final Duration LINGER_TIME = Duration.ofSeconds(1);

    /**
     * The answer is out, but a client still sending its body gets a reset instead of reading it when the socket
     * closes with unread bytes in it. So, as nginx's lingering close does, read and drop what is still coming,
     * up to {@link #LINGER_BYTES} and for at most {@link #LINGER_TIME}: on a virtual thread, because a client that
     * stops sending would otherwise hold this one until the idle timeout.
     */
    private static void lingerOverUnreadBody(ServerRequest req) {
        Thread drain = Thread.ofVirtual().name("ferry-linger").start(() -> {
            byte[] buffer = new byte[64 * 1024];
            long dropped = 0;
            try {
                java.io.InputStream in = req.content().inputStream();
                for (int n; dropped < LINGER_BYTES && (n = in.read(buffer)) > 0; ) {
                    dropped += n;
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the connection is being closed anyway
            }
        });
        try {
            drain.join(LINGER_TIME);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** HTTP/1.1 with "Connection: close", or HTTP/1.0 without "Connection: keep-alive". */
    private static boolean closeRequested(ServerRequest req) {
        if ("1.0".equals(req.prologue().protocolVersion())) {
            return !req.headers().containsToken(HeaderValues.CONNECTION_KEEP_ALIVE);
        }
        return req.headers().contains(HeaderNames.CONNECTION)
                && req.headers().containsToken(HeaderValues.CONNECTION_CLOSE);
    }

    /**
     * 429 with Retry-After for a request whose miss its client's budget refused ({@link MissLimiter}); the registry's
     * clients get the spec's TOOMANYREQUESTS error.
     */
    private static void tooManyMisses(Exchange x, MissCharge.Refused refused) {
        x.res.header(Exchange.NO_STORE);
        x.res.header(HeaderNames.RETRY_AFTER, Long.toString(refused.retryAfter().toSeconds()));
        if (x.rawPath.equals("/v2") || x.rawPath.startsWith(OciHandler.PREFIX)) {
            OciAnswerResponder.error(x, OciErrorCode.TOOMANYREQUESTS, refused.getMessage());
        } else {
            x.sendText(Status.TOO_MANY_REQUESTS_429, refused.getMessage());
        }
    }

    /** Routes a request; the misses it causes are charged to its client address when misses are limited. */
    private void dispatch(Exchange x) {
        if (limiter == null || x.rawPath.startsWith(AdminHandler.PREFIX)) {
            route(x);
            return;
        }
        MissCharge.chargedTo(limiter.payer(x.client), () -> {
            route(x);
            return null;
        });
    }

    private void route(Exchange x) {
        if (peers != null && PeerAnswers.asks(x)) {
            // Before every other route: a peer request is answered from the store or not at all.
            peers.handle(x);
            return;
        }
        if (x.rawPath.startsWith(AdminHandler.PREFIX)) {
            // Only what the admin routes did not take (a path Helidon normalises out from under /admin/api/):
            // authentication first all the same.
            if (admin != null) {
                admin.notFound(x);
            } else {
                x.endpoint = Endpoint.ADMIN;
                x.sendText(Status.NOT_FOUND_404, "no admin API");
            }
            return;
        }
        if (x.rawPath.equals("/v2") || x.rawPath.startsWith(OciHandler.PREFIX)) {
            if (oci != null) {
                oci.handle(x);
            } else {
                x.endpoint = Endpoint.OCI_BASE;
                x.sendText(Status.NOT_FOUND_404, "no registry configured");
            }
            return;
        }
        if (ui != null && (x.rawPath.equals(UiHandler.ROOT) || x.rawPath.startsWith(UiHandler.PREFIX))) {
            ui.handle(x);
            return;
        }
        Method method = x.req.prologue().method();
        if (ui != null && x.rawPath.equals("/") && (Method.GET.equals(method) || x.head) && wantsPage(x)) {
            // A browser pointed at ferry itself: its console. Go and registry clients never ask for HTML.
            x.res.header(HeaderValues.create(HeaderNames.LOCATION, UiHandler.PREFIX));
            x.sendText(Status.SEE_OTHER_303, "see " + UiHandler.PREFIX);
            return;
        }
        if (!Method.GET.equals(method) && !x.head) {
            x.endpoint = endpointOf(x.rawPath);
            x.res.header(ALLOW);
            x.sendText(Status.METHOD_NOT_ALLOWED_405, "method " + method.text() + " not allowed; use GET or HEAD");
            return;
        }
        switch (x.rawPath) {
            case "/health", "/health/ready" -> health(x);
            case "/health/live" -> live(x);
            case "/metrics" -> metrics(x);
            default -> {
                if (x.rawPath.startsWith(SumdbHandler.PREFIX)) {
                    sumdb.handle(x);
                } else {
                    goproxy.handle(x);
                }
            }
        }
    }

    private static boolean wantsPage(Exchange x) {
        return x.req.headers().first(HeaderNames.ACCEPT).orElse("").contains("text/html");
    }

    private static Endpoint endpointOf(String rawPath) {
        return switch (rawPath) {
            case "/health", "/health/ready", "/health/live" -> Endpoint.HEALTH;
            case "/metrics" -> Endpoint.METRICS;
            default -> rawPath.startsWith(AdminHandler.PREFIX) ? Endpoint.ADMIN : Endpoint.OTHER;
        };
    }

    private void health(Exchange x) {
        x.endpoint = Endpoint.HEALTH;
        x.res.header(Exchange.NO_STORE);
        if (ready.getAsBoolean()) {
            x.sendText(Status.OK_200, "ok");
        } else {
            x.sendText(Status.SERVICE_UNAVAILABLE_503, "not ready");
        }
    }

    /** Not tied to readiness: an orchestrator restarts a process that fails this, not one that is still opening. */
    private static void live(Exchange x) {
        x.endpoint = Endpoint.HEALTH;
        x.res.header(Exchange.NO_STORE);
        x.sendText(Status.OK_200, "ok");
    }

    private void metrics(Exchange x) {
        x.endpoint = Endpoint.METRICS;
        x.res.header(Exchange.NO_STORE);
        x.sendBytes(metrics.scrape().getBytes(StandardCharsets.UTF_8), METRICS_TYPE);
    }
}
