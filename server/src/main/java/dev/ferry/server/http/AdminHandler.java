package dev.ferry.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamStatus;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code /admin/api/}: every request must carry the admin token ({@link AdminAuth}), else 401; then
 * <pre>
 *   GET    /admin/api/upstreams                 each upstream pool's health
 *   POST   /admin/api/upstreams/{name}/release  end an upstream's quarantine (or open breaker) now
 *   POST   /admin/api/prewarm                   start a prewarm job (202, its id and progress)
 *   GET    /admin/api/prewarm                   every kept job's progress or report
 *   GET    /admin/api/prewarm/{id}              one job's progress or report
 *   DELETE /admin/api/prewarm/{id}              cancel it
 *   POST   /admin/api/mirror-sets               register (or replace) a mirror set with a refresh interval (201)
 *   GET    /admin/api/mirror-sets[/{name}]      registrations with their last run's report
 *   POST   /admin/api/mirror-sets/{name}/run    refresh now (202)
 *   DELETE /admin/api/mirror-sets/{name}        unregister (its pins are dropped)
 *   POST   /admin/api/pins                      pin items (fetched first when missing)
 *   DELETE /admin/api/pins                      unpin items
 *   GET    /admin/api/pins                      pin sets
 *   GET    /admin/api/storage                   store size, pins, cache hit ratio
 *   POST   /admin/api/exports                   start an export to a directory on the server (202)
 *   GET    /admin/api/exports[/{id}]            export jobs' progress or reports
 *   DELETE /admin/api/exports/{id}              cancel an export
 *   POST   /admin/api/imports                   start importing a bundle from directories on the server (202)
 *   GET    /admin/api/imports[/{id}]            import jobs' progress or reports
 *   DELETE /admin/api/imports/{id}              cancel an import
 *   POST   /admin/api/inventory                 write what this ferry holds to a file (for an export to cut against)
 *   GET    /admin/api/bundles                   every bundle exported: what went to which site
 * </pre>
 * JSON in and out ({@code docs/admin-api.md}); bad input is a 400 with {@code {"error", "message"}}. Every request
 * that changes something, and every one refused for its token, is written to the {@link AuditLog}. Never shows
 * credentials.
 */
final class AdminHandler {
    static final String PREFIX = "/admin/api/";
    /** Mirror-set files and go.mod/go.sum texts are small; this is far above any real one. */
    static final int MAX_BODY = 8 << 20;
    private static final Header JSON = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");
    private static final Header CHALLENGE = HeaderValues.createCached(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"ferry admin\"");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AdminAuth auth;
    /** Pools by the name the API shows them under ("go"; later "sumdb", registries). */
    private final Map<String, UpstreamPool> pools;
    /** Prewarm, mirror sets, pins, storage; null: only /admin/api/upstreams. */
    private final AdminApi api;
    private final AuditLog audit;

    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools) {
        this(auth, pools, null, null);
    }

    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools, AdminApi api, AuditLog audit) {
        this.auth = auth;
        this.pools = Map.copyOf(pools);
        this.api = api;
        this.audit = audit;
    }

    void handle(Exchange x) {
        x.endpoint = Endpoint.ADMIN;
        x.res.header(Exchange.NO_STORE);
        String method = x.head ? "GET" : x.method();
        if (!auth.allows(x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            // Audited before the answer goes out, so whoever sees the answer finds the entry.
            audit(x, "unauthenticated", method, "", 401, "refused: missing or wrong admin token");
            x.res.header(CHALLENGE);
            send(x, Status.UNAUTHORIZED_401, error("unauthorized", "send the admin token as Authorization: Bearer TOKEN"));
            return;
        }
        String[] path = x.rawPath.substring(PREFIX.length()).split("/", -1);
        Answer a;
        try {
            a = route(x, method, path);
        } catch (AdminApi.ApiException e) {
            ObjectNode body = error(e.code(), e.getMessage());
            if (e.details() != null) {
                body.set("details", e.details());
            }
            if (e.status() == 405) {
                String allowed = e.details() == null ? "GET" : e.details().asText();
                x.res.header(HeaderValues.create(HeaderNames.ALLOW, allowed.replace("GET", "GET, HEAD")));
                body.remove("details");
            }
            a = new Answer(e.status(), body, "", e.getMessage());
        }
        if (!method.equals("GET")) {
            audit(x, auth.fingerprint(), method, a.target, a.status, a.result);
        }
        send(x, Status.create(a.status), a.body);
    }

    /** A response, and what the audit log says of it. */
    private record Answer(int status, ObjectNode body, String target, String result) {
        static Answer ok(ObjectNode body) {
            return new Answer(200, body, "", "ok");
        }
    }

    private Answer route(Exchange x, String method, String[] p) {
        String first = p[0];
        if (first.equals("upstreams") && p.length == 1) {
            allow(method, "GET");
            return Answer.ok(upstreams());
        }
        if (first.equals("upstreams") && p.length == 3 && p[2].equals("release") && !p[1].isEmpty()) {
            allow(method, "POST");
            String name = java.net.URLDecoder.decode(p[1].replace("+", "%2B"), StandardCharsets.UTF_8);
            ObjectNode released = release(name);
            return new Answer(200, released, name, "released: " + released.path("released").asText());
        }
        if (api == null || !List.of("prewarm", "mirror-sets", "pins", "storage", "exports", "imports", "inventory",
                "bundles").contains(first)) {
            throw AdminApiErrors.notFound("no admin endpoint " + x.rawPath);
        }
        switch (first) {
            case "prewarm" -> {
                if (p.length == 1) {
                    allow(method, "GET, POST");
                    if (method.equals("GET")) {
                        return Answer.ok(api.prewarms());
                    }
                    ObjectNode started = api.startPrewarm(body(x));
                    return new Answer(202, started, started.path("description").asText(), "started " + started.path("id").asText());
                }
                if (p.length == 2 && !p[1].isEmpty()) {
                    allow(method, "GET, DELETE");
                    if (method.equals("GET")) {
                        return Answer.ok(api.prewarm(p[1]));
                    }
                    ObjectNode cancelled = api.cancelPrewarm(p[1]);
                    return new Answer(200, cancelled, p[1], "cancelled");
                }
            }
            case "mirror-sets" -> {
                if (p.length == 1) {
                    allow(method, "GET, POST");
                    if (method.equals("GET")) {
                        return Answer.ok(api.mirrorSets());
                    }
                    ObjectNode set = api.addMirrorSet(body(x));
                    return new Answer(201, set, set.path("name").asText(), "registered, refresh " + set.path("refresh").asText());
                }
                if (p.length == 2 && !p[1].isEmpty()) {
                    allow(method, "GET, DELETE");
                    if (method.equals("GET")) {
                        return Answer.ok(api.mirrorSet(p[1]));
                    }
                    return new Answer(200, api.removeMirrorSet(p[1]), p[1], "removed");
                }
                if (p.length == 3 && p[2].equals("run")) {
                    allow(method, "POST");
                    ObjectNode run = api.runMirrorSet(p[1]);
                    return new Answer(202, run, p[1], "run " + run.path("id").asText());
                }
            }
            case "pins" -> {
                if (p.length == 1) {
                    allow(method, "GET, POST, DELETE");
                    if (method.equals("GET")) {
                        return Answer.ok(api.pins());
                    }
                    ObjectNode b = body(x);
                    String items = b.path("items").toString();
                    ObjectNode out = method.equals("POST") ? api.pin(b) : api.unpin(b);
                    return new Answer(200, out, items, method.equals("POST")
                            ? out.path("failed").asInt() + " failed" : "unpinned");
                }
            }
            case "storage" -> {
                if (p.length == 1) {
                    allow(method, "GET");
                    return Answer.ok(api.storage());
                }
            }
            case "exports", "imports" -> {
                boolean export = first.equals("exports");
                if (p.length == 1) {
                    allow(method, "GET, POST");
                    if (method.equals("GET")) {
                        return Answer.ok(export ? api.bundles().exports() : api.bundles().imports());
                    }
                    ObjectNode body = body(x);
                    String target = export ? body.path("to").asText() : body.path("from").toString();
                    ObjectNode started = export ? api.bundles().startExport(body) : api.bundles().startImport(body);
                    return new Answer(202, started, target, "started " + started.path("id").asText());
                }
                if (p.length == 2 && !p[1].isEmpty()) {
                    allow(method, "GET, DELETE");
                    if (method.equals("GET")) {
                        return Answer.ok(export ? api.bundles().export(p[1]) : api.bundles().importJob(p[1]));
                    }
                    ObjectNode cancelled = export ? api.bundles().cancelExport(p[1]) : api.bundles().cancelImport(p[1]);
                    return new Answer(200, cancelled, p[1], "cancelled");
                }
            }
            case "inventory" -> {
                if (p.length == 1) {
                    allow(method, "POST");
                    ObjectNode body = body(x);
                    ObjectNode written = api.bundles().inventory(body);
                    return new Answer(200, written, written.path("out").asText(), "written");
                }
            }
            case "bundles" -> {
                if (p.length == 1) {
                    allow(method, "GET");
                    return Answer.ok(api.bundles().history());
                }
            }
            default -> { }
        }
        throw AdminApiErrors.notFound("no admin endpoint " + x.rawPath);
    }

    /** 405 unless {@code method} is one of {@code allowed} (HEAD counts as GET). */
    private static void allow(String method, String allowed) {
        if (!List.of(allowed.split(", ")).contains(method)) {
            throw new AdminApi.ApiException(405, "method_not_allowed", "use " + allowed,
                    com.fasterxml.jackson.databind.node.TextNode.valueOf(allowed));
        }
    }

    /** Reads the request body (at most {@link #MAX_BODY} bytes) as a JSON object. */
    private static ObjectNode body(Exchange x) {
        byte[] bytes;
        try (InputStream in = x.req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new AdminApi.ApiException(413, "too_large", "the body is larger than " + MAX_BODY + " bytes", null);
            }
        } catch (IOException e) {
            throw AdminApiErrors.badRequest("cannot read the body: " + e.getMessage());
        }
        return AdminApi.parseBody(bytes);
    }

    private void audit(Exchange x, String who, String method, String target, int status, String result) {
        if (audit != null) {
            audit.record(who, x.req.remotePeer().host(), method + " " + x.rawPath, target, status, result);
        }
    }

    /**
     * Releases the upstream called {@code name} (its URL for GOPROXY upstreams, percent-encoded in the path) in
     * every pool that has it: an upstream is one server, whichever pool noticed its lie.
     */
    private ObjectNode release(String name) {
        ObjectNode out = MAPPER.createObjectNode().put("upstream", name);
        ArrayNode in = out.putArray("pools");
        StringBuilder what = new StringBuilder();
        pools.keySet().stream().sorted().forEach(poolName -> {
            UpstreamPool.Member m = pools.get(poolName).member(name);
            if (m != null) {
                String lifted = m.release("admin");
                in.addObject().put("pool", poolName).put("released", lifted).put("breaker", m.breaker().state().label());
                what.append(what.isEmpty() ? "" : "; ").append(poolName).append(": ").append(lifted);
            }
        });
        if (in.isEmpty()) {
            throw AdminApiErrors.notFound("no upstream named " + name + " (GET /admin/api/upstreams lists them;"
                    + " percent-encode a URL name: http%3A%2F%2Fhost%3A8080)");
        }
        out.put("released", what.toString());
        return out;
    }

    private ObjectNode upstreams() {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode byPool = root.putObject("pools");
        pools.keySet().stream().sorted().forEach(name -> {
            UpstreamPool pool = pools.get(name);
            ObjectNode p = byPool.putObject(name);
            p.put("strategy", pool.settings().strategy().label());
            ArrayNode list = p.putArray("upstreams");
            for (UpstreamStatus s : pool.status()) {
                ObjectNode u = list.addObject();
                u.put("name", s.name());
                u.put("url", s.url());
                u.put("weight", s.weight());
                u.put("credentials", s.credentials());
                u.put("healthy", s.healthy());
                u.put("breaker", s.breaker().label());
                u.put("openUntil", s.openUntil() == null ? null : s.openUntil().toString());
                u.put("attempts", s.attempts());
                u.put("successes", s.successes());
                u.put("notFound", s.notFound());
                ObjectNode failures = u.putObject("failures");
                s.failures().forEach(failures::put);
                u.put("lastSuccess", s.lastSuccess() == null ? null : s.lastSuccess().toString());
                UpstreamStatus.Speed sp = s.speed();
                ObjectNode speed = u.putObject("speed");
                speed.put("firstByteMillis", sp.firstByteMillis());
                speed.put("smallBodyMillis", sp.smallBodyMillis());
                speed.put("bytesPerSecond", sp.bytesPerSecond());
                speed.put("failedShare", sp.failedShare());
                speed.put("effectiveWeight", sp.effectiveWeight());
                u.put("quarantines", s.quarantines());
                if (s.quarantine() == null) {
                    u.putNull("quarantine");
                } else {
                    UpstreamStatus.Quarantine q = s.quarantine();
                    u.putObject("quarantine").put("since", q.since().toString()).put("until", q.until().toString())
                            .put("subject", q.subject()).put("detail", q.detail());
                }
                ArrayNode recent = u.putArray("recentErrors");
                for (UpstreamStatus.RecentError e : s.recentErrors()) {
                    recent.addObject().put("at", e.at().toString()).put("kind", e.kind()).put("detail", e.detail());
                }
            }
        });
        return root;
    }

    /** Refusals the router makes itself. */
    private static final class AdminApiErrors {
        static AdminApi.ApiException notFound(String message) {
            return new AdminApi.ApiException(404, "not_found", message, null);
        }

        static AdminApi.ApiException badRequest(String message) {
            return new AdminApi.ApiException(400, "bad_request", message, null);
        }
    }

    private static ObjectNode error(String code, String message) {
        return MAPPER.createObjectNode().put("error", code).put("message", message);
    }

    private static void send(Exchange x, Status status, ObjectNode body) {
        x.res.status(status);
        x.sendBytes((body.toString() + "\n").getBytes(StandardCharsets.UTF_8), JSON);
    }
}
