package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.admin.AdminApi;
import dev.ferry.server.admin.AuditLog;
import dev.ferry.server.admin.BundleApi;
import dev.ferry.server.admin.FakeBundles;
import dev.ferry.server.admin.MirrorSetRegistry;
import dev.ferry.server.admin.PrewarmService;
import dev.ferry.server.admin.StorePins;
import dev.ferry.server.cli.CliContext;
import dev.ferry.server.cli.FerryMain;
import dev.ferry.server.metrics.FerryMetrics;
import dev.ferry.storage.RocksContentStore;
import dev.ferry.storage.StoreOptions;
import dev.ferry.sync.GoPrewarmPlanner;
import dev.ferry.sync.ImagePrewarmPlanner;
import dev.ferry.sync.ItemRunner;
import dev.ferry.sync.MirrorSetPlanner;
import dev.ferry.upstreams.pool.AfterFailure;
import dev.ferry.upstreams.pool.AttemptOutcome;
import dev.ferry.upstreams.pool.BreakerState;
import dev.ferry.upstreams.pool.Credentials;
import dev.ferry.upstreams.pool.FailureKind;
import dev.ferry.upstreams.pool.PoolSettings;
import dev.ferry.upstreams.pool.Upstream;
import dev.ferry.upstreams.pool.UpstreamPool;
import dev.ferry.upstreams.pool.UpstreamTimeouts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the admin API routes by path pattern: every resource's other methods are a 405 naming its own, every other path
 * under /admin/api/ a 404, both as JSON and only after the token; path parameters arrive percent-decoded; and no
 * other spelling of an admin path reaches an admin answer without the token.
 */
class AdminRoutingTest {
    private static final String TOKEN = "r0ute-token";
    /** An upstream whose name has every character that needs encoding in a path segment. */
    private static final String ODD = "https://mirror.example:8443/go+proxy/a b";

    @TempDir
    Path tmp;

    private RocksContentStore store;
    private PrewarmService prewarm;
    private MirrorSetRegistry sets;
    private UpstreamPool pool;
    private AdminHttp admin;

    @BeforeEach
    void start() throws Exception {
        store = RocksContentStore.open(tmp.resolve("store"), StoreOptions.defaults());
        ItemRunner runner = item -> {
            throw new AssertionError("nothing runs in a routing test: " + item);
        };
        StorePins pins = new StorePins(store, "docker.io");
        Clock clock = Clock.systemUTC();
        prewarm = new PrewarmService(runner, 1, pins.prewarmSink(), clock, 10);
        GoPrewarmPlanner go = new GoPrewarmPlanner(new TestServer.RecordingMirror(r -> {
            throw new AssertionError("no mirror lookups expected: " + r);
        }));
        ImagePrewarmPlanner images = new ImagePrewarmPlanner(name -> null);
        MirrorSetPlanner setPlanner = new MirrorSetPlanner(go, images, List::of);
        sets = new MirrorSetRegistry(
                tmp.resolve("data").resolve(MirrorSetRegistry.FILE),
                MirrorSetRegistry.runtime(
                        name -> new PrewarmService(runner, 1, pins.mirrorSetSink(name), clock, 1),
                        setPlanner::plan,
                        name -> {}),
                clock);
        FerryMetrics metrics = new FerryMetrics(store::stats);
        BundleApi bundles = new BundleApi(
                new FakeBundles(),
                List.of(),
                List.of(java.nio.file.Path.of("/")),
                false,
                p -> {},
                BundleApi.Audit.NONE);
        AdminApi api =
                new AdminApi(prewarm, sets, pins, runner, go, images, setPlanner, store::stats, metrics, bundles);
        pool = new UpstreamPool(
                List.of(new Upstream(
                        URI.create("https://mirror.example:8443/go+proxy/a%20b"),
                        ODD,
                        AfterFailure.MOVE_ON,
                        1,
                        Credentials.NONE,
                        UpstreamTimeouts.defaults())),
                PoolSettings.defaults(),
                clock,
                metrics);
        Files.createDirectories(tmp.resolve("data"));
        admin = new AdminHttp(
                api,
                metrics,
                new AuditLog(tmp.resolve("data").resolve(AuditLog.FILE), clock),
                TOKEN,
                Map.of("go", pool));
    }

    @AfterEach
    void stop() {
        admin.close();
        sets.close();
        prewarm.cancelAll();
        store.close();
    }

    /** Each resource with the methods it takes, as the 405 message names them. */
    private static final String[][] RESOURCES = {
        {"/admin/api/upstreams", "GET"},
        {"/admin/api/upstreams/x/release", "POST"},
        {"/admin/api/prewarm", "GET, POST"},
        {"/admin/api/prewarm/x", "GET, DELETE"},
        {"/admin/api/mirror-sets", "GET, POST"},
        {"/admin/api/mirror-sets/x", "GET, DELETE"},
        {"/admin/api/mirror-sets/x/run", "POST"},
        {"/admin/api/pins", "GET, POST, DELETE"},
        {"/admin/api/storage", "GET"},
        {"/admin/api/exports", "GET, POST"},
        {"/admin/api/exports/x", "GET, DELETE"},
        {"/admin/api/imports", "GET, POST"},
        {"/admin/api/imports/x", "GET, DELETE"},
        {"/admin/api/inventory", "POST"},
        {"/admin/api/bundles", "GET"},
    };

    @Test
    void everyOtherMethodOfAResourceIs405WithItsAllowHeader() throws Exception {
        int changes = 0;
        for (String[] r : RESOURCES) {
            List<String> allowed = List.of(r[1].split(", "));
            for (String method : List.of("GET", "HEAD", "POST", "DELETE", "PUT", "PATCH", "OPTIONS")) {
                boolean takes = allowed.contains(method) || method.equals("HEAD") && allowed.contains("GET");
                if (takes) {
                    continue;
                }
                HttpResponse<String> res = admin.send(method, r[0], TOKEN, method.equals("GET") ? null : "{}");
                String what = method + " " + r[0];
                assertEquals(405, res.statusCode(), what);
                assertEquals(
                        r[1].replace("GET", "GET, HEAD"),
                        res.headers().firstValue("Allow").orElse(""),
                        what);
                if (!method.equals("HEAD")) {
                    JsonNode body = AdminHttp.ok(405, res);
                    assertEquals("method_not_allowed", body.get("error").asText(), what);
                    assertEquals("use " + r[1], body.get("message").asText(), what);
                    assertEquals(2, body.size(), "no details: " + body);
                }
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    changes++;
                }
            }
        }
        List<JsonNode> audit = admin.auditLines();
        assertEquals(changes, audit.size(), "every refused change is audited, reads are not");
        JsonNode put = audit.stream()
                .filter(l -> l.get("action").asText().equals("PUT /admin/api/pins"))
                .findFirst()
                .orElseThrow();
        assertEquals(405, put.get("status").asInt());
        assertEquals("use GET, POST, DELETE", put.get("result").asText());
    }

    @Test
    void everyOtherPathIs404JsonButOnlyAfterTheToken() throws Exception {
        for (String path : List.of(
                "/admin/api/",
                "/admin/api/nothing",
                "/admin/api/prewarm/",
                "/admin/api/prewarm/a/b",
                "/admin/api/upstreams/",
                "/admin/api/upstreams/x",
                "/admin/api/upstreams/x/release/now",
                "/admin/api/mirror-sets/x/walk",
                "/admin/api/bundles/x",
                "/admin/api/storage/x",
                "/admin/api/exports/x/y",
                "/admin/api/prewarm/a%2Fb")) {
            for (String method : List.of("GET", "POST", "DELETE", "PUT")) {
                String what = method + " " + path;
                HttpResponse<String> refused = admin.send(method, path, null, null);
                assertEquals(401, refused.statusCode(), what);
                assertEquals(
                        "unauthorized", AdminHttp.ok(401, refused).get("error").asText(), what);
                JsonNode body = AdminHttp.ok(404, admin.send(method, path, TOKEN, null));
                assertEquals("not_found", body.get("error").asText(), what);
                assertEquals("no admin endpoint " + path, body.get("message").asText(), what);
            }
        }
    }

    @Test
    void pathParametersArrivePercentDecoded() throws Exception {
        UpstreamPool.Member m = pool.member(ODD);
        m.tryAcquire();
        m.record(new AttemptOutcome.Failure(FailureKind.MISMATCH, "SECURITY ERROR: checksum mismatch", null, "x.zip"));
        assertEquals(BreakerState.OPEN, m.breaker().state());
        String encoded = "/admin/api/upstreams/https%3A%2F%2Fmirror.example%3A8443%2Fgo%2Bproxy%2Fa%20b/release";
        JsonNode released = AdminHttp.ok(200, admin.send("POST", encoded, TOKEN, null));
        assertEquals(ODD, released.get("upstream").asText());
        assertEquals(BreakerState.CLOSED, m.breaker().state());
        JsonNode audited = admin.auditLines().getLast();
        assertEquals("POST " + encoded, audited.get("action").asText(), "the action is the path as sent");
        assertEquals(ODD, audited.get("target").asText(), "the target is the name decoded");

        // A '+' in a path is a plus, not a space (unlike in a query).
        String plus = "/admin/api/upstreams/https%3A%2F%2Fmirror.example%3A8443%2Fgo+proxy%2Fa%20b/release";
        assertEquals(
                ODD,
                AdminHttp.ok(200, admin.send("POST", plus, TOKEN, null))
                        .get("upstream")
                        .asText());
        JsonNode unknown = AdminHttp.ok(
                404, admin.send("POST", "/admin/api/upstreams/https%3A%2F%2Fnone%3A1/release", TOKEN, null));
        assertTrue(unknown.get("message").asText().startsWith("no upstream named https://none:1 "), unknown.toString());

        assertEquals(
                "no prewarm job a b",
                AdminHttp.ok(404, admin.send("GET", "/admin/api/prewarm/a%20b", TOKEN, null))
                        .get("message")
                        .asText());
        assertEquals(
                "no mirror set s.1",
                AdminHttp.ok(404, admin.send("DELETE", "/admin/api/mirror-sets/s%2E1", TOKEN, null))
                        .get("message")
                        .asText());

        // The CLI encodes the name the same way.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FerryMain.run(
                new String[] {"upstreams", "release", "--server", admin.url(), ODD},
                new CliContext(Map.of("FERRY_ADMIN_TOKEN", TOKEN), false, Duration.ofMillis(20)),
                (c, o, e) -> {
                    throw new AssertionError("no serve");
                },
                new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertEquals(0, exit, err.toString());
        assertEquals("released " + ODD + ": go: circuit state closed\n", out.toString());
    }

    /**
     * Helidon matches patterns against the decoded, normalised path; whatever another spelling of an admin path
     * reaches, it is never an admin answer without the token.
     */
    @Test
    void noOtherSpellingOfAnAdminPathSkipsTheToken() throws Exception {
        for (String path : List.of(
                "/admin/api/storage",
                "/admin//api/storage",
                "/admin/api//storage",
                "/%61dmin/api/storage",
                "/admin/%61pi/storage",
                "/admin/api/./storage",
                "/admin/api/prewarm/../storage",
                "/admin/api/x/../../api/storage",
                "/admin/api/%2E%2E/api/storage",
                "/admin/api",
                "/admin/api%2Fstorage",
                "/x/../admin/api/storage")) {
            String response = raw("GET " + path);
            String status = response.lines().findFirst().orElse("");
            assertFalse(status.contains(" 200 "), path + " -> " + response);
            assertFalse(response.contains("objectBytes"), path + " -> " + response);
            if (path.startsWith("/admin/api/")) {
                assertTrue(status.contains(" 401 "), path + " -> " + response);
            }
        }
        String ok = raw("GET /admin/api/prewarm/../storage", "Authorization: Bearer " + TOKEN);
        assertTrue(ok.startsWith("HTTP/1.1 200 ") && ok.contains("objectBytes"), ok);
    }

    /** Sends a request line as is (HttpClient would normalise it) and reads the response. */
    private String raw(String requestLine, String... headers) throws Exception {
        URI u = URI.create(admin.url());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(10_000);
            StringBuilder req = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            String head = "";
            var in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                b.append((char) c);
                if (b.toString().endsWith("\r\n\r\n")) {
                    break;
                }
            }
            head = b.toString();
            int length = head.lines()
                    .filter(l -> l.toLowerCase().startsWith("content-length:"))
                    .map(l -> Integer.parseInt(l.substring(15).strip()))
                    .findFirst()
                    .orElse(0);
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            assertNotEquals("", head, requestLine);
            return head + body;
        }
    }
}
