package dev.ferry.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.ApiException;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.Callers;
import dev.ferry.server.admin.Console;
import dev.ferry.server.admin.ConsoleSessions;
import dev.ferry.server.admin.Principal;
import dev.ferry.server.admin.RequestBodies;
import dev.ferry.server.admin.UpstreamsApi;
import dev.ferry.server.admin.api.AdminJson;
import dev.ferry.server.admin.api.AdminPaths;
import dev.ferry.server.admin.api.ApiError;
import dev.ferry.server.http.admin.AdminCall;
import dev.ferry.server.http.admin.AdminRoute;
import dev.ferry.server.http.admin.AdminRoutes;
import dev.ferry.server.http.admin.Answer;
import dev.ferry.server.http.admin.Resource;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import dev.ferry.upstreams.pool.UpstreamPool;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The edge of {@code /admin/api/} ({@code docs/admin-api.md}): every request must carry the admin token
 * ({@link AdminAuth}), else 401, whatever its path and method; then its route ({@link AdminRoutes}) answers with a
 * record, written as JSON, and a refusal becomes {@code {"error", "message"}} with its status. Every request that
 * changes something, and every one refused for its token, is written to the {@link AuditLog}. Never shows
 * credentials.
 */
final class AdminHandler {
    static final String PREFIX = AdminPaths.PREFIX;
    /** Mirror-set files and go.mod/go.sum texts are small; this is far above any real one. */
    static final int MAX_BODY = 8 << 20;

    private static final Header JSON = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");
    private static final Header CHALLENGE =
            HeaderValues.createCached(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"ferry admin\"");
    private static final io.helidon.http.HeaderName CSRF = HeaderNames.create(Callers.CSRF_HEADER);
    private static final ApiError UNAUTHORIZED =
            new ApiError("unauthorized", "send the admin token as Authorization: Bearer TOKEN");

    private final Callers callers;
    private final AuditLog audit;
    private final List<Resource> resources;

    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools) {
        this(auth, pools, null, null);
    }

    /** {@code api} null: only /admin/api/upstreams; {@code audit} null: nothing audited. */
    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools, AdminApi api, AuditLog audit) {
        this(new Callers(auth, new ConsoleSessions(java.time.Clock.systemUTC())), pools, api, null, audit);
    }

    /** With the web console: its sessions are callers too, and its reads are routes. */
    AdminHandler(Callers callers, Map<String, UpstreamPool> pools, AdminApi api, Console console, AuditLog audit) {
        this.callers = callers;
        this.audit = audit;
        this.resources = AdminRoutes.resources(new UpstreamsApi(pools), api, console);
    }

    /** The routes, each run by {@code observer} (metrics, access log) around {@link #serve}. */
    HttpService routes(FerryRoutes.Observer observer) {
        return new AdminRoutes(resources, (req, res, route) -> observer.observe(req, res, x -> serve(x, route)));
    }

    /** A request under /admin/api/ that no route took: after the token, a 404. */
    void notFound(Exchange x) {
        serve(x, AdminRoutes.NOT_FOUND);
    }

    void serve(Exchange x, AdminRoute route) {
        x.endpoint = Endpoint.ADMIN;
        UiHandler.secure(x);
        String method = x.head ? "GET" : x.method();
        Callers.Identity identity = callers.identify(
                x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null),
                x.req.headers().cookies().first(Callers.COOKIE).orElse(null),
                x.req.headers().first(CSRF).orElse(null),
                method);
        if (identity instanceof Callers.Identity.Refused r) {
            // Audited before the answer goes out, so whoever sees the answer finds the entry.
            if (r.status() == 401) {
                audit(x, r.who(), method, "", 401, "refused: missing or wrong admin token");
                x.res.header(CHALLENGE);
                send(x, Status.UNAUTHORIZED_401, UNAUTHORIZED);
            } else {
                audit(x, r.who(), method, "", r.status(), "refused: " + r.message());
                if (r.retryAfterSeconds() > 0) {
                    x.res.header(HeaderNames.RETRY_AFTER, Long.toString(r.retryAfterSeconds()));
                }
                send(x, Status.create(r.status()), new ApiError(r.error(), r.message()));
            }
            return;
        }
        Principal principal = ((Callers.Identity.Known) identity).principal();
        Answer a;
        try {
            a = route.answer(new Call(x, method));
        } catch (ApiException e) {
            if (e.allowHeader() != null) {
                x.res.header(HeaderValues.create(HeaderNames.ALLOW, e.allowHeader()));
            }
            a = new Answer(e.status(), e.body(), "", e.getMessage());
        }
        if (!method.equals("GET")) {
            audit(x, principal.who(), method, a.target(), a.status(), a.result());
        }
        send(x, Status.create(a.status()), a.body());
    }

    /** The request as a route sees it. */
    private record Call(Exchange x, String method) implements AdminCall {
        @Override
        public String rawPath() {
            return x.rawPath;
        }

        @Override
        public String query(String name) {
            return x.req.query().first(name).orElse(null);
        }

        @Override
        public String param(String name) {
            return x.req.path().pathParameters().get(name);
        }

        /** Reads the request body (at most {@link #MAX_BODY} bytes) as a JSON object. */
        @Override
        public ObjectNode body() {
            byte[] bytes;
            try (InputStream in = x.req.content().inputStream()) {
                bytes = in.readNBytes(MAX_BODY + 1);
                if (bytes.length > MAX_BODY) {
                    throw new ApiException(413, "too_large", "the body is larger than " + MAX_BODY + " bytes", null);
                }
            } catch (IOException e) {
                throw ApiException.badRequest("cannot read the body: " + e.getMessage());
            }
            return RequestBodies.parse(bytes);
        }
    }

    private void audit(Exchange x, String who, String method, String target, int status, String result) {
        if (audit != null) {
            audit.record(who, x.client, method + " " + x.rawPath, target, status, result);
        }
    }

    private static void send(Exchange x, Status status, Object body) {
        x.res.status(status);
        x.sendBytes((AdminJson.write(body) + "\n").getBytes(StandardCharsets.UTF_8), JSON);
    }
}
