package dev.ferry.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.ApiException;
import dev.ferry.server.admin.AuditLog;
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
import dev.ferry.server.registryauth.RegistryAuth;
import dev.ferry.server.registryauth.RegistryAuth.Caller;
import dev.ferry.server.registryauth.Role;
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
    private static final ApiError UNAUTHORIZED =
            new ApiError("unauthorized", "send the admin token as Authorization: Bearer TOKEN");

    private static final ApiError READ_ONLY =
            new ApiError("forbidden", "the viewer role may only read (GET); this needs the admin role");

    private static final ApiError NO_ROLE =
            new ApiError("forbidden", "signed in, but without the admin or viewer role");

    private final AdminAuth auth;
    private final RegistryAuth users;
    private final AuditLog audit;
    private final List<Resource> resources;

    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools) {
        this(auth, pools, null, null, null);
    }

    /** {@code api} null: only /admin/api/upstreams; {@code audit} null: nothing audited. */
    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools, AdminApi api, AuditLog audit) {
        this(auth, pools, api, audit, null);
    }

    /**
     * @param users who else may sign in (users and tokens with the admin or viewer role), or null: the admin token
     *              only
     */
    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools, AdminApi api, AuditLog audit, RegistryAuth users) {
        this.auth = auth;
        this.users = users;
        this.audit = audit;
        this.resources = AdminRoutes.resources(new UpstreamsApi(pools), api);
    }

    /** Who signed in, as the audit log names them, whether they may change anything, or read at all. */
    private record Signed(String who, boolean readOnly, boolean noRole) {}

    /** The admin token, or a user or token with the admin or viewer role; null for anyone else. */
    private Signed signedIn(String authorization) {
        if (auth.allows(authorization)) {
            return new Signed(auth.fingerprint(), false, false);
        }
        if (users != null && users.identify(authorization) instanceof Caller.User u) {
            return new Signed("user:" + u.name(), !u.has(Role.ADMIN), !u.has(Role.VIEWER));
        }
        return null;
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
        x.res.header(Exchange.NO_STORE);
        String method = x.head ? "GET" : x.method();
        Signed signed =
                signedIn(x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (signed == null) {
            // Audited before the answer goes out, so whoever sees the answer finds the entry.
            audit(x, "unauthenticated", method, "", 401, "refused: missing or wrong admin token");
            x.res.header(CHALLENGE);
            send(x, Status.UNAUTHORIZED_401, UNAUTHORIZED);
            return;
        }
        if (signed.noRole()) {
            audit(x, signed.who(), method, "", 403, "refused: neither the admin nor the viewer role");
            send(x, Status.FORBIDDEN_403, NO_ROLE);
            return;
        }
        if (signed.readOnly() && !method.equals("GET")) {
            audit(x, signed.who(), method, "", 403, "refused: the viewer role is read-only");
            send(x, Status.FORBIDDEN_403, READ_ONLY);
            return;
        }
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
            audit(x, signed.who(), method, a.target(), a.status(), a.result());
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
            audit.record(who, x.req.remotePeer().host(), method + " " + x.rawPath, target, status, result);
        }
    }

    private static void send(Exchange x, Status status, Object body) {
        x.res.status(status);
        x.sendBytes((AdminJson.write(body) + "\n").getBytes(StandardCharsets.UTF_8), JSON);
    }
}
