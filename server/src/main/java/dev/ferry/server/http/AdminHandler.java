package dev.ferry.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.admin.AdminAuth;
import dev.ferry.server.metrics.FerryMetrics.Endpoint;
import dev.ferry.upstreams.UpstreamPool;
import dev.ferry.upstreams.UpstreamStatus;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code /admin/api/}: every request must carry the admin token ({@link AdminAuth}); then
 * {@code GET /admin/api/upstreams} shows each upstream pool's health. Never shows credentials.
 */
final class AdminHandler {
    static final String PREFIX = "/admin/api/";
    private static final Header JSON = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "application/json");
    private static final Header CHALLENGE = HeaderValues.createCached(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"ferry admin\"");
    private static final Header ALLOW = HeaderValues.createCached(HeaderNames.ALLOW, "GET, HEAD");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AdminAuth auth;
    /** Pools by the name the API shows them under ("go"; later "sumdb", registries). */
    private final Map<String, UpstreamPool> pools;

    AdminHandler(AdminAuth auth, Map<String, UpstreamPool> pools) {
        this.auth = auth;
        this.pools = Map.copyOf(pools);
    }

    void handle(Exchange x) {
        x.endpoint = Endpoint.ADMIN;
        x.res.header(Exchange.NO_STORE);
        if (!auth.allows(x.req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            x.res.header(CHALLENGE);
            send(x, Status.UNAUTHORIZED_401, error("unauthorized", "send the admin token as Authorization: Bearer TOKEN"));
            return;
        }
        if (!x.head && !Method.GET.equals(x.req.prologue().method())) {
            x.res.header(ALLOW);
            send(x, Status.METHOD_NOT_ALLOWED_405, error("method_not_allowed", "use GET"));
            return;
        }
        switch (x.rawPath) {
            case PREFIX + "upstreams" -> send(x, Status.OK_200, upstreams());
            default -> send(x, Status.NOT_FOUND_404, error("not_found", "no admin endpoint " + x.rawPath));
        }
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
                ArrayNode recent = u.putArray("recentErrors");
                for (UpstreamStatus.RecentError e : s.recentErrors()) {
                    recent.addObject().put("at", e.at().toString()).put("kind", e.kind()).put("detail", e.detail());
                }
            }
        });
        return root;
    }

    private static ObjectNode error(String code, String message) {
        return MAPPER.createObjectNode().put("error", code).put("message", message);
    }

    private static void send(Exchange x, Status status, ObjectNode body) {
        x.res.status(status);
        x.sendBytes((body.toString() + "\n").getBytes(StandardCharsets.UTF_8), JSON);
    }
}
